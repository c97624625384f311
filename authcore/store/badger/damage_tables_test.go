package badger

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Damaged table files and a deleted key registry (issue 17, item 3) end
// the open with an error that names the damaged file, not a panic.
func TestDamagedTables(t *testing.T) {
	orig := populate(t)
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string) string // returns the damaged file's name
	}{
		{"truncated table", func(t *testing.T, dir string) string {
			p := files(t, dir, "*.sst")[0]
			fi, err := os.Stat(p)
			must(t, err)
			must(t, os.Truncate(p, fi.Size()/2))
			return filepath.Base(p)
		}},
		{"garbled table", func(t *testing.T, dir string) string {
			p := files(t, dir, "*.sst")[0]
			b, err := os.ReadFile(p)
			must(t, err)
			for i := len(b) / 3; i < len(b)/3+64; i++ {
				b[i] ^= 0x5a
			}
			must(t, os.WriteFile(p, b, 0o600))
			return filepath.Base(p)
		}},
		{"garbled table end", func(t *testing.T, dir string) string {
			p := files(t, dir, "*.sst")[0]
			b, err := os.ReadFile(p)
			must(t, err)
			for i := len(b) - 40; i < len(b); i++ {
				b[i] ^= 0x5a
			}
			must(t, os.WriteFile(p, b, 0o600))
			return filepath.Base(p)
		}},
		{"deleted key registry", func(t *testing.T, dir string) string {
			must(t, os.Remove(filepath.Join(dir, "KEYREGISTRY")))
			return "KEYREGISTRY"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := copyStore(t, orig)
			name := tc.damage(t, opts.Dir)
			s, err := Open(opts)
			if err == nil {
				// Damage the open did not see must show on reading.
				_, err = s.ListClients(context.Background())
				s.Close()
				t.Fatalf("a store with a %s opened (list: %v)", tc.name, err)
			}
			t.Log(err)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), name) {
				t.Errorf("want ErrDamaged naming %s, got %v", name, err)
			}
			opts.AcceptEmpty = true
			s, err = Open(opts)
			if err != nil {
				t.Fatalf("with AcceptEmpty: %v", err)
			}
			must(t, s.Close())
			if aside := files(t, filepath.Dir(opts.Dir), "store.damaged-*/*"); len(aside) == 0 {
				t.Error("nothing was set aside")
			}
		})
	}
}
