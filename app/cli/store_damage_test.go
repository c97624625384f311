package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// A data directory whose store/MANIFEST was deleted (issue 17, item 2)
// does not start empty: the start is refused with what to do, and
// --accept-empty-store starts it.
func TestServeRefusesLostManifest(t *testing.T) {
	data := t.TempDir()
	f, in := startInProcess(t, data)
	if code, _, errOut := runCLI(t, "", "scope", "create", "--data", data, "--name", "orders:write"); code != 0 {
		t.Fatal(errOut)
	}
	in.stop()
	if m, _ := filepath.Glob(filepath.Join(data, "store", "*.sst")); len(m) == 0 {
		t.Fatal("no table files after a clean stop")
	}
	if err := os.Remove(filepath.Join(data, "store", "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	_, err := start(&f, fstest.MapFS{}, "serve")
	if err == nil {
		t.Fatal("a store without its MANIFEST started")
	}
	for _, want := range []string{"MANIFEST", "is missing", "Restore " + data + " from a backup", "--accept-empty-store"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal lacks %q: %v", want, err)
		}
	}
	f.acceptEmpty = true
	in, err = start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatalf("--accept-empty-store: %v", err)
	}
	in.stop()
}
