//go:build !server

package main

import (
	"io/fs"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"github.com/latchkey/latchkey/app"
)

// desktopWindow opens the desktop console; this is the only file of the
// module that imports Wails (TestWailsOnlyInDesktopEntry).
var desktopWindow = runWindow

// runWindow opens the desktop console over a, serving the embedded assets.
// It returns when the window is closed.
func runWindow(a *app.App, console fs.FS) error {
	return wails.Run(&options.App{
		Title:            "Latchkey",
		Width:            1280,
		Height:           760,
		MinWidth:         960,
		MinHeight:        600,
		BackgroundColour: options.NewRGB(0x11, 0x15, 0x27),
		AssetServer:      &assetserver.Options{Assets: console},
		Bind:             []any{a},
		ErrorFormatter:   app.WindowErrors(a), // the console API's error mapping
		Linux:            &linux.Options{ProgramName: "latchkey"},
	})
}
