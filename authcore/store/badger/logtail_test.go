package badger

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"

	"github.com/latchkey/latchkey/authcore/diskguard"
)

// crashImage copies a store that is still open, as a crash would leave
// it: the write-ahead log holds the last writes, nothing was flushed.
func crashImage(t *testing.T, s *Store, dir string) string {
	t.Helper()
	must(t, s.db.Sync())
	cp := filepath.Join(t.TempDir(), "store")
	copyDir(t, dir, cp)
	os.Remove(filepath.Join(cp, "LOCK"))
	return cp
}

// garbleTail overwrites 64 bytes just before the last written byte of the
// newest write-ahead log.
func garbleTail(t *testing.T, dir string) {
	t.Helper()
	logs := files(t, dir, "*.mem")
	if len(logs) == 0 {
		t.Fatal("no write-ahead log in the crash image")
	}
	f, err := os.OpenFile(logs[len(logs)-1], os.O_RDWR, 0)
	must(t, err)
	defer f.Close()
	fi, err := f.Stat()
	must(t, err)
	end, err := diskguard.DataEnd(f, fi.Size())
	must(t, err)
	junk := make([]byte, 64)
	for i := range junk {
		junk[i] = 0xa5
	}
	_, err = f.WriteAt(junk, end-80)
	must(t, err)
}

// A write-ahead log damaged near its end (issue 17, item 4): Badger drops
// the last transaction silently; Open reports it.
func TestLogTailDamageReported(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, EncryptionKey: testKey})
	must(t, err)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	must(t, s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "first", ExpiresAt: exp}))
	must(t, s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "last", ExpiresAt: exp}))
	img := crashImage(t, s, dir)
	bad := crashImage(t, s, dir)
	must(t, s.Close())

	clean, err := Open(Options{Dir: img, EncryptionKey: testKey})
	must(t, err)
	if d := clean.LogDamage(); len(d) != 0 {
		t.Errorf("a crash image without damage reports %v", d)
	}
	must(t, clean.Close())

	garbleTail(t, bad)
	d, err := Open(Options{Dir: bad, EncryptionKey: testKey})
	must(t, err)
	defer d.Close()
	if len(d.LogDamage()) != 1 || d.LogDamage()[0].Lost == 0 {
		t.Fatalf("damage not reported: %+v", d.LogDamage())
	}
	if revoked, _ := d.IsRevoked(ctx, "last"); revoked {
		t.Error("the garbled transaction was replayed: the test damaged nothing")
	}
	if revoked, _ := d.IsRevoked(ctx, "first"); !revoked {
		t.Error("the transaction before the damage was lost too")
	}
}
