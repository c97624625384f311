package cli

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/audit/monitor"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// TestClusterBackgroundWorkOnce: two serve nodes on one PostgreSQL
// database. Failed logins spread over both raise exactly one brute-force
// alert, on the node holding the background lease, which sees the other
// node's events; audit retention pruning runs on that node only. When it
// stops, the other node takes both jobs over.
func TestClusterBackgroundWorkOnce(t *testing.T) {
	dsn := migratedSchema(t)
	ctx := context.Background()
	archive(t, dsn, "archive-1", 3)
	nodes := make([]*instance, 2)
	stopped := map[*instance]bool{}
	for i, id := range []string{"node-a", "node-b"} {
		in := serveNode(t, dsn, id)
		t.Cleanup(func() {
			if !stopped[in] {
				in.stop()
			}
		})
		nodes[i] = in
		if i == 0 {
			waitFor(t, 5*time.Second, "node-a leads", in.srv.Leader)
		}
	}
	a, b := nodes[0], nodes[1]
	for _, u := range []string{"alice", "carol"} {
		if _, err := a.srv.Login.CreateUser(ctx, login.UserSpec{Username: u, Password: "wonderland-42-" + u}); err != nil {
			t.Fatal(err)
		}
	}

	// Ten failed logins, five at each node: the threshold (10 in 5
	// minutes) is crossed only by the two nodes' events together.
	br := testsupport.NewBrowser(t)
	for i := range 10 {
		if got := postLogin(t, br, nodes[i%2].issuer, "alice", "a wrong guess"); got != http.StatusOK {
			t.Fatalf("failure %d: %d, want the login page again", i+1, got)
		}
	}
	waitFor(t, 10*time.Second, "the brute-force alert", func() bool { return len(alerts(t, a, monitor.RuleBruteForceAccount)) > 0 })
	time.Sleep(5 * time.Second) // the follower reads a's and its own events by now, twice over
	if got := alerts(t, a, monitor.RuleBruteForceAccount); len(got) != 1 || got[0] != "node-a" {
		t.Fatalf("brute_force_account alerts recorded by %v, want one, by the leader node-a", got)
	}
	if r := b.state.alerts.Recent(); len(r) == 0 || r[0].Rule != monitor.RuleBruteForceIP && r[0].Rule != monitor.RuleBruteForceAccount {
		t.Errorf("the follower's Dashboard lists %+v, want the leader's alerts", r)
	}

	// A retention saved at the follower applies on both nodes; only the
	// leader prunes (the three events of an old chain).
	if _, _, err := b.srv.UpdatePolicy(ctx, map[string]string{"audit_retention": "24h"}, "admin"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the leader prunes", func() bool { return a.state.audit.Stats().Pruned == 3 })
	archive(t, dsn, "archive-2", 2)
	b.state.audit.PruneNow()
	time.Sleep(time.Second)
	if n := b.state.audit.Stats().Pruned; n != 0 {
		t.Fatalf("the follower pruned %d events", n)
	}

	// The leader stops: b takes the lease, prunes what was left, and
	// raises the next brute-force alert by itself.
	stopped[a] = true
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "node-b leads", b.srv.Leader)
	waitFor(t, 5*time.Second, "node-b prunes", func() bool { return b.state.audit.Stats().Pruned == 2 })
	br2 := testsupport.NewBrowser(t)
	br2.Client.Transport = fromAddr("127.0.0.2") // the first address is throttled for a minute
	for i := range 10 {
		if got := postLogin(t, br2, b.issuer, "carol", "a wrong guess"); got != http.StatusOK {
			t.Fatalf("failure %d at node-b: %d", i+1, got)
		}
	}
	waitFor(t, 5*time.Second, "node-b's alert", func() bool { return len(alerts(t, b, monitor.RuleBruteForceAccount)) == 2 })
	if got := alerts(t, b, monitor.RuleBruteForceAccount); got[0] != "node-b" {
		t.Fatalf("the newest brute_force_account alert was recorded by %s, want node-b", got[0])
	}
}

// archive records n events three days old under node id, a chain of its
// own on the cluster's audit log (a node that has since left).
func archive(t *testing.T, dsn, node string, n int) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	l, err := audit.OpenPostgres(context.Background(), pool, audit.Options{NodeID: node, Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range n {
		if err := l.RecordSync(context.Background(), audit.Event{Time: time.Now().Add(-72 * time.Hour), Type: audit.TokenIssued, Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
	}
}

// alerts lists the nodes that recorded an alert.raised event for rule,
// newest first.
func alerts(t *testing.T, in *instance, rule string) []string {
	t.Helper()
	page, err := in.state.audit.Query(context.Background(), audit.Filter{Types: []audit.Type{audit.AlertRaised}})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, en := range page.Entries {
		if en.Event.Reason == rule {
			nodes = append(nodes, en.Event.Node)
		}
	}
	return nodes
}

// fromAddr is a transport whose connections come from the loopback
// address ip, a second client as far as per-address limits go.
func fromAddr(ip string) *http.Transport {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Transport{DialContext: d.DialContext}
}

// waitFor polls cond every 20 ms until it holds, failing after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
