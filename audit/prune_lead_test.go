package audit

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestPruneWhenOneNode: two nodes on one PostgreSQL log prune by
// retention only while their PruneWhen holds (the background lease): the
// leader removes the old events of both chains, the other node none;
// when the lease moves, PruneNow makes the new holder prune at once.
func TestPruneWhenOneNode(t *testing.T) {
	pool := pgPool(t)
	ctx := context.Background()
	c := newClock()
	var aLeads, bLeads atomic.Bool
	aLeads.Store(true)
	a := openPGOn(t, pool, Options{NodeID: "a", Now: c.Now, Retention: -1, PruneEvery: time.Hour, PruneWhen: aLeads.Load})
	b := openPGOn(t, pool, Options{NodeID: "b", Now: c.Now, Retention: -1, PruneEvery: time.Hour, PruneWhen: bLeads.Load})
	record := func(n int) {
		for range n {
			for _, l := range []*Log{a, b} {
				if err := l.RecordSync(ctx, Event{Type: TokenIssued, Outcome: Success}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	waitPruned := func(l *Log, want uint64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for l.Stats().Pruned < want {
			if time.Now().After(deadline) {
				t.Fatalf("pruned %d events within 5 s, want %d", l.Stats().Pruned, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	record(3)
	c.Add(2 * 24 * time.Hour)
	b.SetRetention(24 * time.Hour) // b does not lead: it keeps its hands off
	a.SetRetention(24 * time.Hour)
	waitPruned(a, 6)
	time.Sleep(200 * time.Millisecond) // b's pruner has woken by now
	if got := b.Stats().Pruned; got != 0 {
		t.Fatalf("the node without the lease pruned %d events", got)
	}

	record(2)
	c.Add(2 * 24 * time.Hour)
	aLeads.Store(false)
	bLeads.Store(true)
	b.PruneNow() // took the lease over
	waitPruned(b, 4)
	a.PruneNow()
	time.Sleep(200 * time.Millisecond)
	if a.Stats().Pruned != 6 {
		t.Fatalf("the node that lost the lease pruned again: %d", a.Stats().Pruned)
	}
	if r, err := a.Verify(ctx); err != nil || !r.OK {
		t.Fatalf("verify after the prunes: %+v %v", r, err)
	}
}
