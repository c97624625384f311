package badger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testKey encrypts the populated stores, as a data directory is by default.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// populate writes a store with clients, users, a scope, a signing key, a
// setting and grants under root/store (marker root/store.json), closes
// it and returns its Options.
func populate(t *testing.T) Options {
	t.Helper()
	root := t.TempDir()
	opts := Options{Dir: filepath.Join(root, "store"), Marker: filepath.Join(root, "store.json"), EncryptionKey: testKey}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	for i := range 3 {
		must(t, s.CreateClient(ctx, authcore.Client{ID: fmt.Sprintf("client-%d", i), Name: "c", CreatedAt: now}))
	}
	for i := range 2 {
		must(t, s.CreateUser(ctx, authcore.User{ID: fmt.Sprintf("user-%d", i), Username: fmt.Sprintf("u%d", i), CreatedAt: now}))
	}
	must(t, s.CreateScope(ctx, authcore.Scope{Name: "orders:read"}))
	must(t, s.PutSigningKeys(ctx, authcore.SigningKey{ID: "k1", Algorithm: "ES256", State: authcore.KeyActive, CreatedAt: now}))
	must(t, s.PutSetting(ctx, "issuer", []byte("https://issuer.example")))
	for i := range 50 {
		must(t, s.CreateGrant(ctx, authcore.Grant{ID: fmt.Sprintf("g%d", i), ClientID: "client-0", UserID: "user-0",
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, nil))
	}
	must(t, s.Close())
	return opts
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// copyStore copies the store directory and marker of opts to a fresh
// place, so each damage is done to a copy.
func copyStore(t *testing.T, opts Options) Options {
	t.Helper()
	root := t.TempDir()
	out := opts
	out.Dir, out.Marker = filepath.Join(root, "store"), filepath.Join(root, "store.json")
	copyDir(t, opts.Dir, out.Dir)
	b, err := os.ReadFile(opts.Marker)
	must(t, err)
	must(t, os.WriteFile(out.Marker, b, 0o600))
	return out
}

func files(t *testing.T, dir, glob string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, glob))
	must(t, err)
	return m
}

// A store whose MANIFEST is deleted or truncated (issue 17, item 2) does
// not open empty: the open is refused, naming MANIFEST, and the table
// files are still there. --accept-empty-store opens it.
func TestManifestLost(t *testing.T) {
	orig := populate(t)
	if len(files(t, orig.Dir, "*.sst")) == 0 {
		t.Fatal("the populated store has no table files")
	}
	for _, tc := range []struct {
		name   string
		damage func(path string) error
	}{
		{"deleted", os.Remove},
		{"truncated", func(p string) error { return os.Truncate(p, 8) }},
		{"emptied", func(p string) error { return os.Truncate(p, 0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := copyStore(t, orig)
			must(t, tc.damage(filepath.Join(opts.Dir, "MANIFEST")))
			tables := files(t, opts.Dir, "*.sst")
			s, err := Open(opts)
			if err == nil {
				s.Close()
				t.Fatal("a store without its MANIFEST opened")
			}
			if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrStoreLost) {
				t.Errorf("error %v matches neither ErrDamaged nor ErrStoreLost", err)
			}
			if !strings.Contains(err.Error(), "MANIFEST") {
				t.Errorf("the error does not name MANIFEST: %v", err)
			}
			if got := files(t, opts.Dir, "*.sst"); len(got) != len(tables) {
				t.Errorf("table files after the refused open: %v, before %v", got, tables)
			}
			opts.AcceptEmpty = true
			s, err = Open(opts)
			if err != nil {
				t.Fatalf("with AcceptEmpty: %v", err)
			}
			must(t, s.Close())
			if aside := files(t, filepath.Dir(opts.Dir), "store.damaged-*/*.sst"); len(aside) != len(tables) {
				t.Errorf("tables set aside: %v, want the %d of %v", aside, len(tables), tables)
			}
		})
	}
}

// A store directory wiped or replaced while its marker stays is refused,
// with what it held.
func TestStoreWiped(t *testing.T) {
	opts := copyStore(t, populate(t))
	must(t, os.RemoveAll(opts.Dir))
	_, err := Open(opts)
	if !errors.Is(err, ErrStoreLost) {
		t.Fatalf("wiped store: %v, want ErrStoreLost", err)
	}
	for _, want := range []string{"3 client records", "1 key records"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say it held %s: %v", want, err)
		}
	}
	opts.AcceptEmpty = true
	s, err := Open(opts)
	must(t, err)
	must(t, s.Close())
	opts.AcceptEmpty = false
	s, err = Open(opts) // the marker now records the empty store
	must(t, err)
	must(t, s.Close())
}

// The marker records what the store holds at close.
func TestMarkerCounts(t *testing.T) {
	opts := populate(t)
	m, err := readMarker(opts.Marker)
	must(t, err)
	if m.Installation == "" || m.Schema != "v1" || m.Counts[kindClient] != 3 || m.Counts[kindGrant] != 50 {
		t.Errorf("marker: %+v", m)
	}
}

// copyDir copies a Badger directory with cp, which keeps its sparse value
// log sparse (os.CopyFS would write out 128 MiB of zeros).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}
