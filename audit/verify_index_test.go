package audit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// populatedDir writes a small audit store to disk (24 events of three
// types, two clients, three subjects), closes it and returns its directory.
func populatedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	c := newClock()
	l, err := Open(Options{Dir: dir, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		for _, e := range []Event{
			{Type: TokenIssued, Outcome: Success, ClientID: "app", Subject: "alice", RemoteIP: "192.0.2.1"},
			{Type: SessionEnded, Outcome: Success, Subject: []string{"alice", "bob", "carol"}[i%3]},
			{Type: LoginFailed, Outcome: Failure, ClientID: "web", Subject: "bob"},
		} {
			c.Add(time.Second)
			l.Record(context.Background(), e)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyDir copies a closed Badger directory, as an attacker with file
// access would before editing it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
	return dst
}

// tamperRaw opens dir with Badger alone (no audit.Log, so no chain is
// extended) and lets edit change keys directly. The index blocks are
// first split into one key per entry (a layout the log reads the same),
// so that edit can reach each entry by its key.
func tamperRaw(t *testing.T, dir string, edit func(txn *badger.Txn, keys [][]byte) error) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(splitBlocks); err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(txn *badger.Txn) error {
		var keys [][]byte
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixIndex})
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		return edit(txn, keys)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// splitBlocks rewrites every index block as one key per entry.
func splitBlocks(txn *badger.Txn) error {
	var keys [][]byte
	err := walkIndex(context.Background(), txn, func(_ []byte, entries [][]byte) (bool, error) {
		for _, e := range entries {
			keys = append(keys, bytes.Clone(e))
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := txn.Set(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// postings returns the index keys under field=value.
func postings(keys [][]byte, field byte, value string) [][]byte {
	p := indexPrefix(field, value)
	var out [][]byte
	for _, k := range keys {
		if strings.HasPrefix(string(k), string(p)) {
			out = append(out, k)
		}
	}
	return out
}

// seqOf is the chain position an index key points at.
func seqOf(k []byte) uint64 { i, _ := idFromKey(k); return i.seq() }

// TestVerifyChecksIndexes: an attacker who edits the store's index keys
// (and never touches a chained event) is reported by Verify, naming the
// index, and a query that reaches a tampered entry fails instead of
// answering from it.
func TestVerifyChecksIndexes(t *testing.T) {
	clean := populatedDir(t)
	tests := []struct {
		name   string
		edit   func(txn *badger.Txn, keys [][]byte) (seq uint64, err error)
		detail string  // must appear in VerifyResult.Detail
		query  *Filter // a query that must now fail with ErrIndexDamaged
	}{
		{"every session.ended entry deleted", func(txn *badger.Txn, keys [][]byte) (uint64, error) {
			ks := postings(keys, fieldType, string(SessionEnded))
			for _, k := range ks {
				if err := txn.Delete(k); err != nil {
					return 0, err
				}
			}
			return seqOf(ks[0]), nil
		}, "index type=session.ended holds 0 of the 8 chained session.ended events", nil},
		{"one byte of an entry's value hash flipped", func(txn *badger.Txn, keys [][]byte) (uint64, error) {
			k := postings(keys, fieldType, string(SessionEnded))[3]
			flipped := append([]byte(nil), k...)
			flipped[len(prefixIndex)+1] ^= 0x01
			if err := txn.Delete(k); err != nil {
				return 0, err
			}
			return seqOf(k), txn.Set(flipped, nil)
		}, "index type has an entry for seq", nil},
		{"entry moved to another client", func(txn *badger.Txn, keys [][]byte) (uint64, error) {
			k := postings(keys, fieldClient, "app")[0]
			i, _ := idFromKey(k)
			if err := txn.Delete(k); err != nil {
				return 0, err
			}
			return i.seq(), txn.Set(indexKey(fieldClient, "web", i), nil)
		}, `index client has an entry for seq 1 that does not match it (its client is "app")`, &Filter{ClientID: "web"}},
		{"entry invented for an event never recorded", func(txn *badger.Txn, _ [][]byte) (uint64, error) {
			i := makeID(time.Date(2026, 1, 2, 3, 4, 30, 500, time.UTC).UnixNano(), 99)
			return 99, txn.Set(indexKey(fieldSubject, "carol", i), nil)
		}, "index subject has an entry for seq 99, which is not in the chain", &Filter{Subject: "carol"}},
		{"one subject entry deleted", func(txn *badger.Txn, keys [][]byte) (uint64, error) {
			k := postings(keys, fieldSubject, "bob")[2]
			return seqOf(k), txn.Delete(k)
		}, "index subject holds 23 of the 24 chained events that have one", nil},
		{"outcome entry re-pointed", func(txn *badger.Txn, keys [][]byte) (uint64, error) {
			k := postings(keys, fieldOutcome, string(Failure))[0]
			i, _ := idFromKey(k)
			if err := txn.Delete(k); err != nil {
				return 0, err
			}
			return i.seq(), txn.Set(indexKey(fieldOutcome, string(Success), i), nil)
		}, "index outcome has an entry for seq 3", &Filter{Outcome: Success, Types: []Type{LoginFailed, TokenIssued}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, clean)
			var seq uint64
			tamperRaw(t, dir, func(txn *badger.Txn, keys [][]byte) error {
				var err error
				seq, err = tt.edit(txn, keys)
				return err
			})
			l, err := Open(Options{Dir: dir, Retention: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			r, err := l.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.Problem != IndexDamaged || r.Seq != seq || !strings.Contains(r.Detail, tt.detail) {
				t.Fatalf("verify = %+v\nwant %s at seq %d with %q", r, IndexDamaged, seq, tt.detail)
			}
			if r.Checked != 24 {
				t.Errorf("chain walk checked %d events, want 24", r.Checked)
			}
			// Once verify has found the damage, no filtered query answers
			// from the index (a deleted entry hides events silently
			// otherwise); the unfiltered one reads the events themselves.
			if _, err := l.Query(context.Background(), Filter{Types: []Type{SessionEnded}}); !errors.Is(err, ErrIndexDamaged) {
				t.Errorf("filtered query after verify found the damage: %v, want ErrIndexDamaged", err)
			}
			if p, err := l.Query(context.Background(), Filter{}); err != nil || len(p.Entries) != 24 {
				t.Errorf("unfiltered query: %d entries, %v", len(p.Entries), err)
			}
			if tt.query != nil {
				l.indexDamaged.Store(false) // as after a restart: the query itself must notice
				if _, err := l.Query(context.Background(), *tt.query); !errors.Is(err, ErrIndexDamaged) {
					t.Errorf("query %+v over the tampered index: %v, want ErrIndexDamaged", *tt.query, err)
				}
			}
			// Reindex rebuilds the indexes from the chain: verify passes
			// and every query answers as on the untouched store.
			res, err := l.Reindex(context.Background())
			if err != nil || res.Removed+res.Added == 0 {
				t.Fatalf("reindex = %+v, %v", res, err)
			}
			if r, err := l.Verify(context.Background()); err != nil || !r.OK || r.Indexed != 96 {
				t.Fatalf("verify after reindex = %+v, %v", r, err)
			}
			for f, want := range map[*Filter]int{
				{Types: []Type{SessionEnded}}: 8, {Subject: "carol"}: 2, {ClientID: "web"}: 8,
				{Outcome: Success, Types: []Type{LoginFailed, TokenIssued}}: 8,
			} {
				if p, err := l.Query(context.Background(), *f); err != nil || len(p.Entries) != want {
					t.Errorf("after reindex, query %+v: %d entries, %v; want %d", *f, len(p.Entries), err, want)
				}
			}
		})
	}
	t.Run("untouched", func(t *testing.T) {
		l, err := Open(Options{Dir: copyDir(t, clean), Retention: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		// 24 types + 24 outcomes + 16 clients + 24 subjects + 8 addresses.
		if r, err := l.Verify(context.Background()); err != nil || !r.OK || r.Indexed != 96 {
			t.Fatalf("verify = %+v, %v", r, err)
		}
		page, err := l.Query(context.Background(), Filter{Types: []Type{SessionEnded}})
		if err != nil || len(page.Entries) != 8 {
			t.Fatalf("session.ended = %d, %v", len(page.Entries), err)
		}
	})
}

// Reindex rebuilds only from a chain that verifies.
func TestReindexRefusesBrokenChain(t *testing.T) {
	l, keys := tenEvents(t)
	set(t, l, keys[4], nil)
	if _, err := l.Reindex(context.Background()); !errors.Is(err, ErrChainNotIntact) {
		t.Fatalf("reindex over a broken chain: %v", err)
	}
}
