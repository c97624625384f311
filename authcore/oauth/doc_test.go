package oauth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocListsEveryGrant: the package documentation names every grant
// file (token_*.go but the dispatcher's helpers), so a new grant cannot
// land without appearing in it.
func TestDocListsEveryGrant(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("token_*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no grant files found: %v", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "token_bind.go" {
			continue // tests, and the sender-constraint helper every grant uses
		}
		if !strings.Contains(string(doc), f) {
			t.Errorf("doc.go does not name %s", f)
		}
	}
}
