package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goTool is the go command that runs the tests.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the server binary: %v", err)
	}
	return p
}

// TestServerBuildHasNoWails: the server build (-tags server) links no
// package of Wails, so it builds without cgo and the GUI libraries.
func TestServerBuildHasNoWails(t *testing.T) {
	cmd := exec.Command(goTool(t), "list", "-deps", "-tags", "server", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) < 10 {
		t.Fatalf("go list -deps listed %d packages: %q", len(pkgs), out)
	}
	for _, p := range pkgs {
		if strings.HasPrefix(p, "github.com/wailsapp/") {
			t.Errorf("the server build depends on %s", p)
		}
	}
}

// TestWailsOnlyInDesktopEntry: desktop.go is the one file of the module
// that imports Wails; everything else (app/, authcore/, audit/, tools)
// stays buildable headless.
func TestWailsOnlyInDesktopEntry(t *testing.T) {
	found := false
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (name == "node_modules" || name == "testdata" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if !strings.Contains(imp.Path.Value, "github.com/wailsapp/") {
				continue
			}
			if filepath.ToSlash(path) == "desktop.go" {
				found = true
				continue
			}
			t.Errorf("%s imports %s: only desktop.go may import Wails", path, imp.Path.Value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Error("desktop.go no longer imports Wails: update this test with the new desktop entry point")
	}
}

// TestMakeBuildServer: `make build-server` builds what TestServerBinary
// tests: CGO_ENABLED=0, -tags server, the version from the Makefile.
func TestMakeBuildServer(t *testing.T) {
	out, err := exec.Command("make", "-n", "--no-print-directory", "build-server", "VERSION=v0.0.0-make", "COMMIT=feedc0de").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build-server: %v\n%s", err, out)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-tags server", "app.Version=v0.0.0-make", "app.Commit=feedc0de", "-o build/bin/latchkey-server ."} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make build-server lacks %q:\n%s", want, out)
		}
	}
}
