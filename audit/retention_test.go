package audit

import (
	"context"
	"testing"
	"time"
)

// SetRetention applies at once: the pruner wakes and removes what the new
// retention no longer keeps, without waiting for PruneEvery or a restart.
func TestSetRetentionPrunesAtOnce(t *testing.T) {
	c := newClock()
	l := openMem(t, Options{Now: c.Now, Retention: -1, PruneEvery: time.Hour})
	if l.Retention() != -1 {
		t.Fatalf("Retention() = %v", l.Retention())
	}
	for range 3 {
		l.Record(context.Background(), Event{Type: TokenIssued, Outcome: Success})
	}
	c.Add(3 * 24 * time.Hour)
	l.RecordSync(context.Background(), Event{Type: AdminAction, Outcome: Success})
	l.SetRetention(24 * time.Hour)
	if l.Retention() != 24*time.Hour {
		t.Fatalf("Retention() = %v", l.Retention())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := l.Verify(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if r.Anchor == 3 {
			if !r.OK || r.Checked != 1 {
				t.Fatalf("after prune: %+v", r)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the three old events were not pruned within 5 s: %+v", r)
		}
		time.Sleep(10 * time.Millisecond)
	}
	l.SetRetention(0)
	if l.Retention() != DefaultRetention {
		t.Fatalf("SetRetention(0) gave %v", l.Retention())
	}
}
