// Command latchkey is Latchkey: a desktop console with an embedded OAuth 2.1
// and OpenID Connect authorization server. With no subcommand it opens the
// desktop window; `latchkey serve` runs the same server and console headless
// for a browser; the admin subcommands manage the store from a terminal.
//
// This file only embeds the console; desktop.go configures the Wails window
// and desktop_server.go leaves it out of the server build (-tags server,
// `make build-server`). Every subcommand lives in app/cli.
package main

import (
	"embed"
	"io/fs"
	"os"

	"github.com/latchkey/latchkey/app/cli"
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	dist, err := fs.Sub(assets, "frontend/dist")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	os.Exit(cli.Main(os.Args[1:], cli.Env{
		Console: dist,
		Desktop: desktopWindow,
	}))
}
