package audit

import (
	"context"
	"testing"
	"time"
)

// TestBadgerLingerJoinsBatches: on Badger too the writer holds a batch
// nobody waits for until its linger ends (by default badgerLinger).
func TestBadgerLingerJoinsBatches(t *testing.T) {
	if l := openBadgerMem(t, Options{Retention: -1}); l.opt.linger != badgerLinger {
		t.Fatalf("default linger %v, want %v", l.opt.linger, badgerLinger)
	}
	testLingerJoinsBatches(t, openBadgerMem)
}

// TestBadgerLingerKeepsWaitersWaiting: a RecordSync or Flush arriving
// while the writer lingers is committed at once, with the events queued
// before it, and Close commits what the writer holds without waiting for
// the linger to end.
func TestBadgerLingerKeepsWaitersWaiting(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(Options{Dir: dir, Retention: -1, linger: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	waitersCommitAtOnce(t, ctx, l)
	select { // a signal the Flush left behind would end the next linger at once
	case <-l.urgent:
	default:
	}
	l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"})
	time.Sleep(50 * time.Millisecond)
	if st := l.Stats(); st.Batches != 2 {
		t.Fatalf("stats %+v, want the fourth event held by the linger", st)
	}
	closed := make(chan error, 1)
	go func() { closed <- l.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the linger")
	}
	l, err = Open(Options{Dir: dir, Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if r, err := l.Verify(ctx); err != nil || !r.OK || r.Last != 4 {
		t.Fatalf("verify after Close = %+v, %v: want 4 events", r, err)
	}
}
