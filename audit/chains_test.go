package audit

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"testing"
	"time"
)

// TestExportChainsCopiesEachNode: two nodes record into one PostgreSQL log
// at interleaved times. ExportChains writes each node's chain apart, in
// seq order, after naming its node; each chain restores into a Badger log
// of its own, and CopyChainsToPostgres puts them all into an empty
// database where every chain verifies and ends at its source head.
func TestExportChainsCopiesEachNode(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	pool := pgPool(t)
	logs := map[string]*Log{}
	for _, node := range []string{"node-b", "node-a"} {
		logs[node] = openPGOn(t, pool, Options{Now: c.Now, Retention: -1, NodeID: node})
	}
	for i := 0; i < 5; i++ {
		for _, node := range []string{"node-a", "node-b"} {
			c.Add(time.Second)
			if err := logs[node].RecordSync(ctx, Event{Type: LoginSucceeded, Outcome: Success, Subject: "alice"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := logs["node-b"].RecordSync(ctx, Event{Type: ServerStarted, Outcome: Success}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var order []string
	at := map[string]int{}
	n, err := logs["node-a"].ExportChains(ctx, func(node string) error {
		order, at[node] = append(order, node), out.Len()
		return nil
	}, &out)
	if err != nil || n != 11 || len(order) != 2 || order[0] != "node-a" || order[1] != "node-b" {
		t.Fatalf("export: %d %v %v", n, order, err)
	}
	parts := map[string][]byte{"node-a": out.Bytes()[:at["node-b"]], "node-b": out.Bytes()[at["node-b"]:]}
	var chains []NodeLog
	for _, node := range order {
		opt := Options{Dir: t.TempDir(), Retention: -1}
		head, events, err := Restore(ctx, opt, bytes.NewReader(parts[node]))
		if err != nil || events != map[string]int{"node-a": 5, "node-b": 6}[node] || head.Seq != uint64(events) {
			t.Fatalf("restore the chain of %s: %+v %d %v", node, head, events, err)
		}
		l, err := Open(opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		chains = append(chains, NodeLog{Node: node, Log: l})
	}
	target := pgPool(t)
	if copied, err := CopyChainsToPostgres(ctx, target, NodeLogs(chains...)); err != nil || copied != 11 {
		t.Fatalf("copy: %d %v", copied, err)
	}
	dst := openPGOn(t, target, Options{Retention: -1, NodeID: "restorer"})
	if v, err := dst.Verify(ctx); err != nil || !v.OK || v.Checked != 11 || v.Nodes != 3 {
		t.Fatalf("verify on the target: %+v %v", v, err)
	}
	want, err := logs["node-a"].Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dst.Heads(ctx)
	if err != nil || !maps.Equal(got, want) || len(got) != 2 {
		t.Fatalf("heads on the target %v (%v), on the source %v", got, err, want)
	}
	if _, err := CopyChainsToPostgres(ctx, target, NodeLogs(chains...)); !errors.Is(err, ErrTargetNotEmpty) {
		t.Fatalf("copy into a non-empty log: %v", err)
	}
	if _, err := CopyChainsToPostgres(ctx, pgPool(t), NodeLogs(chains[0], NodeLog{Node: "node-a", Log: chains[1].Log})); err == nil {
		t.Fatal("two chains copied as one node's")
	}
}
