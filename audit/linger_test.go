package audit

import (
	"context"
	"testing"
	"time"
)

// TestPostgresLingerJoinsBatches: on PostgreSQL the writer waits for more
// events before it commits a batch nobody waits for, so events recorded
// one after the other share a statement (issue 19: an event's cost is
// mostly its batch's), and a Flush ends the wait at once.
func TestPostgresLingerJoinsBatches(t *testing.T) {
	testLingerJoinsBatches(t, openPG)
}

// testLingerJoinsBatches: with a linger the writer holds the first event
// while more arrive (they do not end the linger) and a Flush commits
// them all in one batch; without one it commits the first event alone.
func testLingerJoinsBatches(t *testing.T, open func(testing.TB, Options) *Log) {
	for _, tc := range []struct {
		name    string
		linger  time.Duration
		batches uint64        // exactly; 0: at least two
		wait    time.Duration // for the first event's batch
	}{
		{"linger", time.Hour, 1, 300 * time.Millisecond},
		{"none", -1, 0, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := open(t, Options{Retention: -1, linger: tc.linger})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"})
			// Without a linger the writer commits the first event alone
			// at once; with one it still holds it 300 ms later.
			if n := batchesWithin(l, tc.wait); tc.batches > 0 && n != 0 {
				t.Fatalf("%d batches before the linger ended", n)
			} else if tc.batches == 0 && n != 1 {
				t.Fatalf("%d batches, want the first event committed alone", n)
			}
			for range 9 {
				l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"})
			}
			if tc.batches > 0 {
				if n := batchesWithin(l, 100*time.Millisecond); n != 0 {
					t.Fatalf("%d batches after 10 events, want the writer still lingering", n)
				}
			}
			if err := l.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			st := l.Stats()
			if st.Recorded != 10 || (tc.batches > 0 && st.Batches != tc.batches) || (tc.batches == 0 && st.Batches < 2) {
				t.Fatalf("stats %+v, want 10 events in %d batches (0: at least 2)", st, tc.batches)
			}
		})
	}
}

// TestPostgresLingerKeepsWaitersWaiting: a RecordSync or Flush arriving
// while the writer lingers is committed at once, with the events queued
// before it, and Close commits what the writer holds.
func TestPostgresLingerKeepsWaitersWaiting(t *testing.T) {
	pool := pgPool(t)
	l := openPGOn(t, pool, Options{NodeID: "n1", Retention: -1, linger: time.Hour})
	if l.opt.linger != time.Hour {
		t.Fatalf("linger %v", l.opt.linger)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	waitersCommitAtOnce(t, ctx, l)
	l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if head, err := l.b.loadHead("n1"); err != nil || head.Seq != 4 {
		t.Fatalf("head after Close %+v, %v: want seq 4", head, err)
	}
	if def := openPGOn(t, pool, Options{NodeID: "n2", Retention: -1}); def.opt.linger != pgLinger {
		t.Fatalf("default linger %v, want %v", def.opt.linger, pgLinger)
	}
}

// batchesWithin polls l's committed batches for up to d and returns
// them as soon as there is one (or after d, none).
func batchesWithin(l *Log, d time.Duration) uint64 {
	for deadline := time.Now().Add(d); ; time.Sleep(time.Millisecond) {
		if n := l.Stats().Batches; n > 0 || time.Now().After(deadline) {
			return n
		}
	}
}

// waitersCommitAtOnce: on a log lingering for an hour, a RecordSync and
// then a Flush, each after a Record, are committed at once, each with
// the event queued before it: 3 events in 2 batches.
func waitersCommitAtOnce(t *testing.T, ctx context.Context, l *Log) {
	t.Helper()
	for i, call := range []func() error{
		func() error { return l.RecordSync(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"}) },
		func() error { return l.Flush(ctx) },
	} {
		l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"})
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if st := l.Stats(); st.Recorded != 3 || st.Batches != 2 {
		t.Fatalf("stats %+v, want 3 events in 2 batches", st)
	}
}
