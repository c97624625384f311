// Command latchkey is Latchkey: a desktop console with an embedded OAuth 2.1
// and OpenID Connect authorization server. With no subcommand it opens the
// desktop window; `latchkey serve` runs the same server and console headless
// for a browser; the admin subcommands manage the store from a terminal.
//
// This file only embeds the console and configures the Wails window; every
// subcommand lives in app/cli.
package main

import (
	"embed"
	"io/fs"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"github.com/latchkey/latchkey/app"
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
		Desktop: runWindow,
	}))
}

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
