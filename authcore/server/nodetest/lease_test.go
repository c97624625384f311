package nodetest

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/testsupport"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// counting counts a node's garbage collections.
func counting(n *atomic.Int32) func(*server.Config) {
	return func(c *server.Config) {
		c.Housekeeping.Collected = func(int, error) { n.Add(1) }
	}
}

// The background work runs on one node; when that node stops, another
// takes it over (at once when it handed the lease back, else when the
// lease expires).
func TestNodesBackgroundWorkOnce(t *testing.T) {
	dsn := pgtest.Schema(t)
	var gcA, gcB atomic.Int32
	a := startNode(t, dsn, "a", nil, counting(&gcA))
	b := startNode(t, dsn, "b", nil, counting(&gcB))
	stopA := a.run(t)
	eventually(t, 5*time.Second, "node a leads", a.srv.Leader)
	b.run(t)
	time.Sleep(200 * time.Millisecond)
	if b.srv.Leader() || gcB.Load() != 0 || gcA.Load() == 0 {
		t.Fatalf("leader a=%v b=%v, collections a=%d b=%d: want a alone", a.srv.Leader(), b.srv.Leader(), gcA.Load(), gcB.Load())
	}
	stopA() // hands the lease back
	eventually(t, server.LeaseTTL/3+2*time.Second, "node b takes over", b.srv.Leader)
	eventually(t, time.Second, "node b collects", func() bool { return gcB.Load() > 0 })
}

// leading counts the times a node took the lease (Housekeeping.Leading).
func leading(n *atomic.Int32) func(*server.Config) {
	return func(c *server.Config) {
		c.Housekeeping.Leading = func() { n.Add(1) }
	}
}

// A node that dies without handing the lease back loses it LeaseTTL
// after its last renewal, and not before; each node is told once when it
// takes the lease (Housekeeping.Leading), not at every renewal.
func TestNodesLeaseExpires(t *testing.T) {
	dsn := pgtest.Schema(t)
	clk := testsupport.NewClock(time.Now())
	var leadA, leadB atomic.Int32
	a, b := startNode(t, dsn, "a", clk.Now, leading(&leadA)), startNode(t, dsn, "b", clk.Now, leading(&leadB))
	ctx := context.Background()
	defer func() {
		if !t.Failed() && (leadA.Load() != 1 || leadB.Load() != 1) {
			t.Errorf("told of taking the lease: a %d times, b %d times; want once each", leadA.Load(), leadB.Load())
		}
	}()
	if !a.srv.Lease(ctx) || b.srv.Lease(ctx) {
		t.Fatal("want a to take the free lease and b refused")
	}
	clk.Advance(server.LeaseTTL - time.Second)
	if b.srv.Lease(ctx) {
		t.Fatal("b took a lease that had not expired")
	}
	if !a.srv.Lease(ctx) { // a renews
		t.Fatal("a could not renew its lease")
	}
	clk.Advance(server.LeaseTTL + time.Second) // a died
	if !b.srv.Lease(ctx) {
		t.Fatal("b did not take over the expired lease")
	}
	if a.srv.Lease(ctx) {
		t.Fatal("a came back and took b's lease")
	}
}

// The nodes list holds every node that sent a heartbeat lately, with
// its version.
func TestNodesHeartbeats(t *testing.T) {
	dsn := pgtest.Schema(t)
	clk := testsupport.NewClock(time.Now())
	a, b := startNode(t, dsn, "a", clk.Now), startNode(t, dsn, "b", clk.Now)
	ctx := context.Background()
	for _, n := range []node{a, b} {
		if err := n.srv.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
	}
	nodes, err := a.srv.Nodes(ctx)
	if err != nil || len(nodes) != 2 || nodes[0].ID != "a" || nodes[1].Version != "test-b" || nodes[1].LastSeen.IsZero() {
		t.Fatalf("Nodes: %+v, %v", nodes, err)
	}
	clk.Advance(time.Minute)
	if err := a.srv.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if nodes, _ := a.srv.Nodes(ctx); len(nodes) != 1 || nodes[0].ID != "a" {
		t.Fatalf("after b went silent for a minute: %+v, want a alone", nodes)
	}
}

// /readyz answers 503 while PostgreSQL is down and 200 again once it is
// back, without restarting the server; /healthz stays 200 throughout.
// The test stops a PostgreSQL cluster of its own.
func TestReadyzFollowsPostgres(t *testing.T) {
	c, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	a := startNode(t, c.DSN("postgres"), "a", nil)
	if code, body, _ := get(t, a.url+"/readyz"); code != http.StatusOK || !strings.Contains(body, `"node_id":"a"`) {
		t.Fatalf("readyz with the database up: %d %s", code, body)
	}
	if err := c.Halt(); err != nil {
		t.Fatal(err)
	}
	code, body, h := get(t, a.url+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"reason":"store_unavailable"`) || h.Get("Content-Type") != "application/json" {
		t.Fatalf("readyz with the database down: %d %s", code, body)
	}
	if strings.Contains(body, "postgres") || strings.Contains(body, "dial") {
		t.Errorf("readyz leaks the store's error: %s", body)
	}
	if code, _, _ := get(t, a.url+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz with the database down: %d, want 200 (the process is alive)", code)
	}
	if err := c.Resume(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "readyz back to 200", func() bool {
		code, _, _ := get(t, a.url+"/readyz")
		return code == http.StatusOK
	})
}
