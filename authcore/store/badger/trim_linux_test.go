package badger

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/internal/tabletrim"
)

// tableRSS is the resident size of this process's mappings of the
// store's table files.
func tableRSS(t *testing.T, s *Store) int64 {
	t.Helper()
	n, err := tabletrim.Resident(s.dir)
	must(t, err)
	return n
}

// fillTables writes n grants and closes the store, so that they are in
// table files, then opens it again.
func fillTables(t *testing.T, n int, key []byte) (*Store, Options) {
	t.Helper()
	opts := Options{Dir: t.TempDir(), EncryptionKey: key, NoSyncWrites: true}
	s, err := Open(opts)
	must(t, err)
	ctx := context.Background()
	now := time.Now()
	for i := range n {
		must(t, s.CreateGrant(ctx, authcore.Grant{ID: fmt.Sprintf("g%06d", i), ClientID: "c", UserID: "u",
			Scopes: []string{"openid", "profile"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, nil))
	}
	must(t, s.Close())
	s, err = Open(opts)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	return s, opts
}

// digest reads every record and hashes keys and values.
func digest(t *testing.T, s *Store) ([32]byte, int) {
	t.Helper()
	h := sha256.New()
	n := 0
	err := s.db.View(func(txn *bdg.Txn) error {
		it := txn.NewIterator(bdg.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			h.Write(it.Item().Key())
			h.Write(v)
			n++
		}
		return nil
	})
	must(t, err)
	return [32]byte(h.Sum(nil)), n
}

// After a read of every record, the table pages it mapped are trimmed
// from the process, and every record still reads the same, encrypted or
// not.
func TestTrimTablesUnmapsReadPages(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  []byte
	}{{"encrypted", testKey}, {"plain", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := fillTables(t, 20000, tc.key)
			if len(s.db.Tables()) == 0 {
				t.Fatal("the store has no table files")
			}
			sum, n := digest(t, s)
			before := tableRSS(t, s)
			if before < 512<<10 {
				t.Fatalf("after reading %d records, %d bytes of the tables are resident; want at least 512 KiB", n, before)
			}
			if got := s.trim.TrimNow(); got == 0 {
				t.Fatal("trimTables trimmed no mapping")
			}
			if after := tableRSS(t, s); after != 0 {
				t.Errorf("table pages resident after the trim: %d bytes (before: %d)", after, before)
			}
			if again, m := digest(t, s); again != sum || m != n {
				t.Errorf("after the trim, %d records read differently (before: %d)", m, n)
			}
		})
	}
}

// Trimming while writes flush and compactions replace and delete tables
// never touches memory that is no longer a table's: every record
// written reads back.
func TestTrimTablesDuringCompactions(t *testing.T) {
	s, _ := fillTables(t, 5000, testKey)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	trims := 0
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				s.trim.TrimNow()
				trims++
			}
		}
	}()
	now := time.Now()
	for round := range 4 {
		for i := range 2000 {
			id := fmt.Sprintf("r%d-%05d", round, i)
			must(t, s.RevokeAccessToken(ctx, authcore.Revocation{JTI: id, ExpiresAt: now.Add(time.Hour), RevokedAt: now}))
		}
		// DropPrefix of a prefix some key has flushes the memtable into
		// a new table; Flatten then merges the tables and deletes the old.
		must(t, s.db.Update(func(txn *bdg.Txn) error { return txn.Set([]byte("v1/none/x"), nil) }))
		before := newestTable(s.db.Tables())
		must(t, s.db.DropPrefix([]byte("v1/none/")))
		if newestTable(s.db.Tables()) <= before {
			t.Fatal("no table written")
		}
		must(t, s.db.Flatten(2))
		digest(t, s)
	}
	close(stop)
	wg.Wait()
	if trims == 0 {
		t.Fatal("no trim ran")
	}
	for round := range 4 {
		for i := range 2000 {
			id := fmt.Sprintf("r%d-%05d", round, i)
			if ok, err := s.IsRevoked(ctx, id); err != nil || !ok {
				t.Fatalf("revocation %s after trims: %v %v", id, ok, err)
			}
		}
	}
	for i := range 5000 {
		if _, err := s.GetGrant(ctx, fmt.Sprintf("g%06d", i)); err != nil {
			t.Fatalf("grant %d after trims: %v", i, err)
		}
	}
}

// newestTable is the highest table id in ts: Badger numbers new tables
// upwards and never reuses an id.
func newestTable(ts []bdg.TableInfo) uint64 {
	var n uint64
	for _, x := range ts {
		n = max(n, x.ID)
	}
	return n
}

// An in-memory store has no table files to trim.
func TestTrimTablesInMemory(t *testing.T) {
	s := openTest(t, Options{InMemory: true})
	if n := s.trim.TrimNow(); n != 0 {
		t.Errorf("trimmed %d mappings of an in-memory store", n)
	}
}

// A collector's round reads every record it may delete; when it returns,
// the table pages it mapped are trimmed, also when nothing expired (a
// scan changes no table, so the background trimmer would keep them for
// up to 30 s). The same for the marker's count.
func TestScansTrimWhatTheyRead(t *testing.T) {
	s, _ := fillTables(t, 120000, testKey) // more than the block cache holds
	s.marker, s.markerPath = &marker{}, filepath.Join(t.TempDir(), "store.json")
	ctx := context.Background()
	for _, scan := range []struct {
		name string
		run  func()
	}{
		{"GarbageCollect", func() {
			_, err := s.GarbageCollect(ctx, time.Now())
			must(t, err)
		}},
		{"updateMarker", s.updateMarker},
	} {
		s.trim.TrimNow()
		digest(t, s) // maps the tables' pages, as a long scan does
		if before := tableRSS(t, s); before < 512<<10 {
			t.Fatalf("after a read of every record, %d bytes of the tables are resident; want at least 512 KiB", before)
		}
		scan.run()
		if after := tableRSS(t, s); after != 0 {
			t.Errorf("%s: %d bytes of table pages resident after it returned", scan.name, after)
		}
	}
}
