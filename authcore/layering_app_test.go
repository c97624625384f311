package authcore_test

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestLayeringApp states the import rules above authcore, for the
// product's non-test code (tests may start a real server and store):
//
//   - app/flow is an OAuth client that reaches a server over HTTP only, so
//     it imports no Latchkey package: it runs against Latchkey and any
//     other provider alike, and knows nothing of the server's internals;
//   - a store implementation (authcore/store/...) is chosen only by a
//     program's entry point (a main package) and by app/cli, which wires
//     the server; everything else takes an authcore.Storage;
//   - Wails is imported only by the desktop entry point, the module's
//     root main package: app is plain Go methods bound to the window, and
//     the CLI and the headless server build without the GUI.
func TestLayeringApp(t *testing.T) {
	checked := map[string]bool{}
	check := func(dir string) {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			return // no Go files here
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(filepath.ToSlash(filepath.Clean(dir)), ".."), "/")
		if rel == "" {
			rel = "."
		}
		checked[rel] = true
		for _, imp := range pkg.Imports {
			switch {
			case strings.HasPrefix(imp, "github.com/wailsapp/") && rel != ".":
				t.Errorf("%s imports %s: only the desktop entry point (main.go) imports Wails", rel, imp)
			case strings.HasPrefix(imp, module+"authcore/store/") && pkg.Name != "main" && rel != "app/cli":
				t.Errorf("%s imports %s: only a main package and app/cli choose a store implementation", rel, imp)
			case (rel == "app/flow" || strings.HasPrefix(rel, "app/flow/")) && strings.HasPrefix(imp, module):
				t.Errorf("%s imports %s: the flow engine is a client and imports nothing of Latchkey", rel, imp)
			}
		}
	}
	check("..")
	err := filepath.WalkDir("../app", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if d.Name() == "testdata" {
			return filepath.SkipDir
		}
		check(dir)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk must have seen the packages the rules are about.
	for _, want := range []string{".", "app", "app/cli", "app/flow"} {
		if !checked[want] {
			t.Errorf("package %s not found: the rules above checked nothing for it", want)
		}
	}
}
