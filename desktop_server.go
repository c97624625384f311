//go:build server

package main

import (
	"io/fs"

	"github.com/latchkey/latchkey/app"
)

// desktopWindow is nil in the server build (-tags server): it links no
// GUI library, so it builds with CGO_ENABLED=0 into a static binary, and
// the command line answers a request for the window with a pointer to
// `latchkey serve` and the browser console.
var desktopWindow func(*app.App, fs.FS) error
