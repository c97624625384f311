package audit

import (
	"context"
	"testing"
)

// TestFollowReadsOtherChainsOnly: others follows each other node's chain
// from its head row: a node that records alone gets nothing back and its
// position does not depend on its own events (before, it re-read every
// event of its own recorded since the first call, each call); another
// node's events, also one that appears after the first call, come once
// each, oldest first.
func TestFollowReadsOtherChainsOnly(t *testing.T) {
	pool := pgPool(t)
	ctx := context.Background()
	a := openPGOn(t, pool, Options{NodeID: "a", Retention: -1})
	b, ok := a.b.(*pgBackend)
	if !ok {
		t.Fatalf("backend %T", a.b)
	}
	st := &followState{}
	record := func(l *Log, n int) {
		for range n {
			if err := l.RecordSync(ctx, Event{Type: TokenIssued, Outcome: Success}); err != nil {
				t.Fatal(err)
			}
		}
	}
	others := func(want int) {
		t.Helper()
		es, err := b.others(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != want {
			t.Fatalf("others: %d events, want %d (position %v)", len(es), want, st.nodes)
		}
		for i := 1; i < len(es); i++ {
			if es[i].Time.Before(es[i-1].Time) {
				t.Fatalf("others: event %d older than the one before", i)
			}
		}
	}
	record(a, 5)
	others(0) // the first call takes the position
	record(a, 50)
	others(0)
	if len(st.nodes) != 0 {
		t.Fatalf("position %v: want no chain of its own", st.nodes)
	}
	c := openPGOn(t, pool, Options{NodeID: "c", Retention: -1}) // joins after the first call
	record(c, 7)
	record(a, 3)
	others(7)
	others(0)
	record(c, 2)
	others(2)
	if st.nodes["c"] != 9 {
		t.Fatalf("position %v: want c at 9", st.nodes)
	}
}
