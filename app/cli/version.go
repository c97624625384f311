package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/latchkey/latchkey/app"
)

// errNoDesktop answers a request for the desktop window in the server
// build (Env.Desktop is nil there).
var errNoDesktop = errors.New("this is the server build: it has no desktop window.\n" +
	"Run the server with `latchkey serve` and open its /console/ in a browser")

// buildInfo is what `latchkey version` reports.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
	Flavour   string `json:"flavour"` // "desktop" or "server"
}

// currentBuild reads the version and commit set by -ldflags (app.Version,
// app.Commit; else the VCS revision the Go toolchain stamps into the
// binary), and the flavour: a
// binary without a desktop window is the server build.
func currentBuild(env Env) buildInfo {
	b := buildInfo{Version: app.Version, Commit: "unknown", GoVersion: runtime.Version(), Flavour: "server"}
	if env.Desktop != nil {
		b.Flavour = "desktop"
	}
	if app.Commit != "" {
		b.Commit = app.Commit // the Makefile's; GOFLAGS=-buildvcs=false leaves no stamp
		return b
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	return b
}

// runVersion is `latchkey version [--json]`.
func runVersion(args []string, env Env) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print the build as JSON")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: latchkey version [--json]\n\nPrints the version, commit, Go version and build flavour (desktop or server).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	b := currentBuild(env)
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	commit := b.Commit
	if b.Modified {
		commit += " (modified)"
	}
	_, err := fmt.Fprintf(env.Stdout, "latchkey %s\ncommit  %s\ngo      %s\nbuild   %s\n", b.Version, commit, b.GoVersion, b.Flavour)
	return err
}

// desktopUsage is the usage line of the desktop window.
const desktopUsage = "  latchkey [flags]                 open the desktop console (starts the server too)\n"

// usageFor is the usage text of this build: the server build lists no
// desktop window.
func usageFor(env Env) string {
	if env.Desktop != nil {
		return usage
	}
	return strings.Replace(usage, desktopUsage, "", 1) +
		"This is the server build: it has no desktop window; `latchkey serve` serves the console at <issuer>/console/.\n"
}
