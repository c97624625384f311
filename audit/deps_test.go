package audit

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportRules states the layering: everything may import audit, so
// audit (and its subpackages) import nothing of authcore or app. Tests
// may use pgtest, which imports nothing of Latchkey, for their private
// PostgreSQL cluster.
func TestImportRules(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "github.com/latchkey/latchkey/authcore/testsupport/pgtest" && strings.HasSuffix(path, "_test.go") {
				continue
			}
			for _, bad := range []string{"github.com/latchkey/latchkey/authcore", "github.com/latchkey/latchkey/app"} {
				if p == bad || strings.HasPrefix(p, bad+"/") {
					t.Errorf("%s imports %s", path, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
