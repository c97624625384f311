package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// blockLog records n events while its writer is held up, so that they
// are committed in full batches of 64: index blocks of many entries. The
// events vary every indexed field with different periods.
func blockLog(t *testing.T, dir string, n int) (*Log, *clock) {
	t.Helper()
	c := newClock()
	l, err := Open(Options{Dir: dir, Now: c.Now, Retention: -1, BufferSize: 4 * n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	gate := make(chan struct{})
	var once sync.Once
	l.AddObserver(ObserverFunc(func(Event) { once.Do(func() { <-gate }) }))
	for i := range n {
		c.Add(time.Second)
		e := Event{Type: []Type{TokenIssued, TokenIssued, LoginFailed}[i%3], Outcome: []Outcome{Success, Failure}[i%2],
			ClientID: []string{"app", "web", ""}[i%3], Subject: []string{"alice", "bob", "carol", "dave"}[i%4],
			RemoteIP: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"}[i%5]}
		l.Record(context.Background(), e)
	}
	close(gate)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return l, c
}

// indexShape counts the index keys and the entries they hold.
func indexShape(t *testing.T, l *Log) (keys, entries int) {
	t.Helper()
	err := l.b.(*badgerBackend).db.View(func(txn *badger.Txn) error {
		return walkIndex(context.Background(), txn, func(_ []byte, es [][]byte) (bool, error) {
			keys++
			entries += len(es)
			return false, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys, entries
}

// allSeqs pages through the query for f, 7 entries a page (so that pages
// end and resume inside blocks), and returns the seqs, newest first.
func allSeqs(t *testing.T, l *Log, f Filter) []uint64 {
	t.Helper()
	f.Limit = 7
	var out []uint64
	for {
		p, err := l.Query(context.Background(), f)
		if err != nil {
			t.Fatalf("query %+v: %v", f, err)
		}
		for _, e := range p.Entries {
			out = append(out, e.Seq)
		}
		if p.Next == "" {
			return out
		}
		f.Cursor = p.Next
	}
}

// checkQueries compares the indexed queries with a filter over every
// stored event.
func checkQueries(t *testing.T, l *Log, what string) {
	t.Helper()
	p, err := l.Query(context.Background(), Filter{Limit: MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Filter{
		{ClientID: "app"}, {ClientID: "web"}, {Subject: "carol"}, {RemoteIP: "192.0.2.4"},
		{Types: []Type{LoginFailed}}, {Outcome: Failure}, {Types: []Type{TokenIssued, LoginFailed}, Outcome: Success},
		{ClientID: "app", Subject: "bob", Outcome: Failure}, {Subject: "alice", RemoteIP: "192.0.2.3"},
	} {
		var want []uint64
		for _, e := range p.Entries {
			if (f.ClientID == "" || e.ClientID == f.ClientID) && (f.Subject == "" || e.Subject == f.Subject) &&
				(f.RemoteIP == "" || e.RemoteIP == f.RemoteIP) && (f.Outcome == "" || e.Outcome == f.Outcome) &&
				(len(f.Types) == 0 || slices.Contains(f.Types, e.Type)) {
				want = append(want, e.Seq)
			}
		}
		if got := allSeqs(t, l, f); !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s: query %+v = %v, want %v", what, f, got, want)
		}
	}
}

// TestIndexBlocks: a commit writes one index key per field and value
// (keys.go), and queries, Verify, Prune (through a block) and Reindex
// read those blocks as the entries they hold.
func TestIndexBlocks(t *testing.T) {
	const n = 300
	l, _ := blockLog(t, t.TempDir(), n)
	keys, entries := indexShape(t, l)
	// Every event has a type, an outcome, a subject and an address; two
	// in three have a client.
	if want := n*4 + 2*n/3; entries != want {
		t.Fatalf("the index holds %d entries, want %d", entries, want)
	}
	if keys > entries/10 {
		t.Fatalf("%d index keys for %d entries: the commits did not write blocks", keys, entries)
	}
	checkQueries(t, l, "as written")
	if r, err := l.Verify(context.Background()); err != nil || !r.OK || r.Indexed != uint64(entries) {
		t.Fatalf("verify = %+v, %v", r, err)
	}

	// Prune up to the middle of the second batch: blocks that straddle
	// the boundary keep their newer entries.
	cut := newClock().Now().Add(100*time.Second + time.Second/2)
	if got, err := l.Prune(context.Background(), cut); err != nil || got != 100 {
		t.Fatalf("prune = %d, %v; want 100", got, err)
	}
	_, after := indexShape(t, l)
	if want := entries - (100*4 + 2*100/3 + 1); after != want {
		t.Errorf("after prune the index holds %d entries, want %d", after, want)
	}
	checkQueries(t, l, "after prune")
	if r, err := l.Verify(context.Background()); err != nil || !r.OK || r.Indexed != uint64(after) {
		t.Fatalf("verify after prune = %+v, %v", r, err)
	}
}

// TestIndexBlockDamage: a block whose list is not ascending ids, and a
// block that names an event of another value, are found by Verify and
// rebuilt by Reindex.
func TestIndexBlockDamage(t *testing.T) {
	for _, tc := range []struct {
		name, detail string
		edit         func(k, v []byte) []byte
	}{
		{"list out of order", "malformed", func(_, v []byte) []byte {
			w := slices.Clone(v)
			copy(w[:idLen], v[idLen:2*idLen])
			copy(w[idLen:2*idLen], v[:idLen])
			return w
		}},
		{"list cut mid-id", "malformed", func(_, v []byte) []byte { return v[:len(v)-3] }},
		{"entry of another client", "does not match", func(k, v []byte) []byte {
			// the event right after the block's first is web's, not app's
			first, _ := idFromKey(k)
			other := makeID(first.ts()+int64(time.Second), first.seq()+1)
			return slices.Concat(other[:], v)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l, _ := blockLog(t, dir, 200)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
			if err != nil {
				t.Fatal(err)
			}
			p := indexPrefix(fieldClient, "app")
			err = db.Update(func(txn *badger.Txn) error {
				// the first block of several entries (the first event
				// was committed alone)
				it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
				defer it.Close()
				for it.Rewind(); it.Valid(); it.Next() {
					k := it.Item().KeyCopy(nil)
					v, err := it.Item().ValueCopy(nil)
					if err != nil {
						return err
					}
					if len(v) >= 2*idLen {
						return txn.Set(k, tc.edit(k, v))
					}
				}
				return fmt.Errorf("no block of app holds several entries")
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			l, err = Open(Options{Dir: dir, Retention: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			r, err := l.Verify(context.Background())
			if err != nil || r.OK || r.Problem != IndexDamaged || !strings.Contains(r.Detail, tc.detail) {
				t.Fatalf("verify = %+v, %v; want %s with %q", r, err, IndexDamaged, tc.detail)
			}
			res, err := l.Reindex(context.Background())
			if err != nil || res.Removed+res.Added == 0 {
				t.Fatalf("reindex = %+v, %v", res, err)
			}
			if r, err := l.Verify(context.Background()); err != nil || !r.OK {
				t.Fatalf("verify after reindex = %+v, %v", r, err)
			}
			checkQueries(t, l, "after reindex")
		})
	}
}
