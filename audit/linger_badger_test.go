package audit

import (
	"context"
	"testing"
	"time"
)

// TestBadgerLingerJoinsBatches: on Badger too the writer holds a batch
// nobody waits for until its linger ends (by default badgerLinger), and
// the events that arrive meanwhile go with it; a Flush ends the linger.
func TestBadgerLingerJoinsBatches(t *testing.T) {
	if l := openBadgerMem(t, Options{Retention: -1}); l.opt.linger != badgerLinger {
		t.Fatalf("default linger %v, want %v", l.opt.linger, badgerLinger)
	}
	for _, tc := range []struct {
		name    string
		linger  time.Duration
		batches uint64 // exactly; 0: at least two
		wait    time.Duration
	}{
		{"linger", time.Hour, 1, 300 * time.Millisecond},
		{"none", -1, 0, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := openBadgerMem(t, Options{Retention: -1, linger: tc.linger})
			ctx := context.Background()
			l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"})
			if n := batchesWithin(l, tc.wait); tc.batches > 0 && n != 0 {
				t.Fatalf("%d batches before the linger ended", n)
			} else if tc.batches == 0 && n != 1 {
				t.Fatalf("%d batches, want the first event committed alone", n)
			}
			for range 9 {
				l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"})
			}
			if tc.batches > 0 {
				// Events arriving do not end the linger.
				if n := batchesWithin(l, 100*time.Millisecond); n != 0 {
					t.Fatalf("%d batches after 10 events, want the writer still lingering", n)
				}
			}
			fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := l.Flush(fctx); err != nil {
				t.Fatal(err)
			}
			st := l.Stats()
			if st.Recorded != 10 || (tc.batches > 0 && st.Batches != tc.batches) || (tc.batches == 0 && st.Batches < 2) {
				t.Fatalf("stats %+v, want 10 events in %d batches (0: at least 2)", st, tc.batches)
			}
		})
	}
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
