package audit

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// tenEvents opens a log holding seq 1..10 and returns it with their keys.
func tenEvents(t *testing.T) (*Log, [][]byte) {
	t.Helper()
	c := newClock()
	l := openBadgerMem(t, Options{Now: c.Now})
	for i := 0; i < 10; i++ {
		c.Add(time.Second)
		l.Record(context.Background(), Event{Type: LoginFailed, Outcome: Failure, Subject: "bob"})
	}
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var keys [][]byte
	l.bdb().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixEvent})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		return nil
	})
	if len(keys) != 10 {
		t.Fatalf("%d keys", len(keys))
	}
	return l, keys
}

func get(t *testing.T, l *Log, k []byte) []byte {
	t.Helper()
	var v []byte
	if err := l.bdb().View(func(txn *badger.Txn) error {
		it, err := txn.Get(k)
		if err == nil {
			v, err = it.ValueCopy(nil)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

func set(t *testing.T, l *Log, kv ...[]byte) {
	t.Helper()
	if err := l.bdb().Update(func(txn *badger.Txn) error {
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				if err := txn.Delete(kv[i]); err != nil {
					return err
				}
				continue
			}
			if err := txn.Set(kv[i], kv[i+1]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCatchesTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(t *testing.T, l *Log, keys [][]byte)
		problem Problem
		seq     uint64
	}{
		{"edited", func(t *testing.T, l *Log, keys [][]byte) {
			v := bytes.Replace(get(t, l, keys[3]), []byte(`"failure"`), []byte(`"success"`), 1)
			set(t, l, keys[3], v)
		}, Altered, 4},
		{"edited and rehashed", func(t *testing.T, l *Log, keys [][]byte) {
			en, _ := decodeEntry(get(t, l, keys[3]))
			en.Subject = "mallory"
			line, _, _ := encodeEntry(en.Seq, en.PrevHash, en.Event)
			set(t, l, keys[3], line)
		}, Altered, 4},
		{"deleted", func(t *testing.T, l *Log, keys [][]byte) {
			set(t, l, keys[5], nil)
		}, Removed, 6},
		{"deleted newest", func(t *testing.T, l *Log, keys [][]byte) {
			set(t, l, keys[9], nil)
		}, Removed, 10},
		{"swapped", func(t *testing.T, l *Log, keys [][]byte) {
			a, b := get(t, l, keys[6]), get(t, l, keys[7])
			set(t, l, keys[6], b, keys[7], a)
		}, Reordered, 7},
		{"moved later", func(t *testing.T, l *Log, keys [][]byte) {
			v := get(t, l, keys[2])
			moved := eventKey(makeID(time.Now().UnixNano(), 3))
			set(t, l, keys[2], nil, moved, v)
		}, Reordered, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, keys := tenEvents(t)
			if r, _ := l.Verify(context.Background()); !r.OK {
				t.Fatalf("untouched chain fails: %+v", r)
			}
			tt.tamper(t, l, keys)
			r, err := l.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.Problem != tt.problem || r.Seq != tt.seq {
				t.Fatalf("verify = %+v, want %s at seq %d", r, tt.problem, tt.seq)
			}
			t.Log(r.Detail)
		})
	}
}

func TestPruneKeepsChainVerifiable(t *testing.T) {
	c := newClock()
	l := openMem(t, Options{Now: c.Now, Retention: -1})
	start := c.Now()
	for i := 0; i < 2500; i++ {
		c.Add(time.Second)
		l.Record(context.Background(), Event{Type: TokenIssued, Outcome: Success, ClientID: "app"})
	}
	l.Flush(context.Background())
	n, err := l.Prune(context.Background(), start.Add(1200*time.Second+time.Millisecond))
	if err != nil || n != 1200 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	r, err := l.Verify(context.Background())
	if err != nil || !r.OK || r.Anchor != 1200 || r.Checked != 1300 {
		t.Fatalf("verify after prune = %+v, %v", r, err)
	}
	page, _ := l.Query(context.Background(), Filter{ClientID: "app", Limit: 1000, To: start.Add(1300 * time.Second)})
	if len(page.Entries) != 99 || page.Entries[len(page.Entries)-1].Seq != 1201 {
		t.Fatalf("index not pruned: %d entries", len(page.Entries))
	}
	// Prune everything, then keep writing: the chain continues from the anchor.
	if n, err := l.Prune(context.Background(), c.Now().Add(time.Hour)); err != nil || n != 1300 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	l.RecordSync(context.Background(), Event{Type: AdminAction})
	if r, _ := l.Verify(context.Background()); !r.OK || r.Anchor != 2500 || r.Last != 2501 {
		t.Fatalf("verify = %+v", r)
	}
}

func TestPruneRefusesBrokenChain(t *testing.T) {
	l, keys := tenEvents(t)
	set(t, l, keys[1], nil)
	n, err := l.Prune(context.Background(), time.Now().Add(100*365*24*time.Hour))
	if err == nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1 then ErrChainBroken", n, err)
	}
}
