package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// `latchkey store check` (issue 17, item 3) on a healthy data directory,
// then on one with a garbled table: it names the damaged file and what
// is still readable, and changes nothing. The server refuses to start on
// it in one sentence naming the file.
func TestStoreCheck(t *testing.T) {
	data := t.TempDir()
	f, in := startInProcess(t, data)
	for _, u := range []string{"alice", "bob"} {
		if code, _, errOut := runCLI(t, "pw-"+u+"-long-enough\n", "user", "create", "--data", data, "--username", u, "--password-stdin"); code != 0 {
			t.Fatal(errOut)
		}
	}
	in.stop()

	code, out, errOut := runCLI(t, "", "store", "check", "--data", data)
	if code != 0 || !strings.Contains(out, "damaged:  none") || !strings.Contains(out, "user 2") {
		t.Fatalf("healthy store: %d\n%s%s", code, out, errOut)
	}

	tables, _ := filepath.Glob(filepath.Join(data, "store", "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table files")
	}
	b, err := os.ReadFile(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 3; i < len(b)/3+64; i++ {
		b[i] ^= 0x5a
	}
	if err := os.WriteFile(tables[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "", "store", "check", "--data", data)
	if code != 1 || !strings.Contains(out, filepath.Base(tables[0])+" is damaged") || !strings.Contains(errOut, "restore the data directory from a backup") {
		t.Errorf("garbled table: %d\n%s%s", code, out, errOut)
	}
	t.Logf("store check:\n%s%s", out, errOut)
	if !strings.Contains(out, "lost:") {
		t.Errorf("the check does not say what was lost:\n%s", out)
	}
	after, _ := os.ReadFile(tables[0])
	if string(after) != string(b) {
		t.Error("store check changed the table file")
	}

	_, err = start(&f, fstest.MapFS{}, "serve")
	if err == nil {
		t.Fatal("the server started on a garbled table")
	}
	if msg := err.Error(); !strings.Contains(msg, filepath.Base(tables[0])) || !strings.Contains(msg, "latchkey store check") || strings.Contains(msg, "goroutine") {
		t.Errorf("start on a garbled table: %v", err)
	}
}
