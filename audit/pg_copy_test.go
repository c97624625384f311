package audit

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// TestCopyToPostgres copies a Badger log whose oldest events were pruned
// (so its chain starts at an anchor): every stored line arrives as is,
// verify passes on the target, the node the chain was copied as goes on
// from its head, and a second copy into the now non-empty log is refused.
func TestCopyToPostgres(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	src := openBadgerMem(t, Options{Now: c.Now, Retention: -1, NodeID: "old-host"})
	for i := 0; i < 30; i++ {
		c.Add(time.Minute)
		src.Record(ctx, Event{Type: LoginSucceeded, Outcome: Success, Subject: "alice", RemoteIP: "192.0.2.7"})
	}
	if err := src.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := src.Prune(ctx, c.Now().Add(-20*time.Minute)); err != nil || n != 9 {
		t.Fatalf("prune: %d %v", n, err)
	}
	pool := pgPool(t)
	n, err := CopyToPostgres(ctx, src, pool, "new-host")
	if err != nil || n != 21 {
		t.Fatalf("copy: %d %v", n, err)
	}
	var want, got bytes.Buffer
	if _, err := src.Export(ctx, time.Time{}, time.Time{}, &want); err != nil {
		t.Fatal(err)
	}
	dst := openPGOn(t, pool, Options{Now: c.Now, Retention: -1, NodeID: "new-host"})
	if _, err := dst.Export(ctx, time.Time{}, time.Time{}, &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want.Bytes(), got.Bytes()) {
		t.Fatalf("copied events differ:\n%s\n---\n%s", want.String(), got.String())
	}
	if v, err := dst.Verify(ctx); err != nil || !v.OK || v.Checked != 21 || v.Anchor != 9 {
		t.Fatalf("verify on the target: %+v %v", v, err)
	}
	if err := dst.RecordSync(ctx, Event{Type: ServerStarted, Outcome: Success}); err != nil {
		t.Fatal(err)
	}
	p, err := dst.Query(ctx, Filter{Limit: 1})
	if err != nil || len(p.Entries) != 1 || p.Entries[0].Seq != 31 || p.Entries[0].Node != "new-host" {
		t.Fatalf("the copied chain's node did not go on from its head: %+v %v", p, err)
	}
	if v, err := dst.Verify(ctx); err != nil || !v.OK || v.Checked != 22 {
		t.Fatalf("verify after recording on: %+v %v", v, err)
	}
	if _, err := CopyToPostgres(ctx, src, pool, "new-host"); !errors.Is(err, ErrTargetNotEmpty) {
		t.Fatalf("copy into a non-empty log: %v", err)
	}
}
