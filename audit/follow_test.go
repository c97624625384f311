package audit

import (
	"context"
	"sync"
	"testing"
	"time"
)

// eventCounter counts the events it observes per node.
type eventCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *eventCounter) Observe(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[e.Node]++
}

func (c *eventCounter) get(node string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[node]
}

// TestClusterObserverSeesOtherNodes: a cluster observer on node A is told
// about A's events at once and about B's from the shared log, each once;
// a plain observer only about A's.
func TestClusterObserverSeesOtherNodes(t *testing.T) {
	pool := pgPool(t)
	ctx := context.Background()
	a := openPGOn(t, pool, Options{NodeID: "a", Retention: -1})
	b := openPGOn(t, pool, Options{NodeID: "b", Retention: -1})
	if err := b.RecordSync(ctx, Event{Type: TokenIssued, Outcome: Success}); err != nil {
		t.Fatal(err) // before the observer: not reported
	}
	cluster, local := &eventCounter{n: map[string]int{}}, &eventCounter{n: map[string]int{}}
	a.AddClusterObserver(cluster)
	a.AddObserver(local)
	// No pause: B's events committed right after AddClusterObserver
	// returns are reported too (the position is taken before it returns).
	for i := 0; i < 30; i++ {
		for _, l := range []*Log{a, b} {
			if err := l.RecordSync(ctx, Event{Type: TokenIssued, Outcome: Success}); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(4 * followEvery)
	for cluster.get("b") < 30 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(followEvery) // a second delivery would show by now
	if cluster.get("a") != 30 || cluster.get("b") != 30 || local.get("a") != 30 || local.get("b") != 0 {
		t.Fatalf("cluster observer saw %v, local observer %v; want 30 of each node, 30 of a", cluster.n, local.n)
	}
}
