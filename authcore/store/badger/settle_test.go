package badger

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// A bulk load leaves levels past their targets (here: more level-0
// tables than Badger lets stand); Settle returns once compactions have
// brought every level within its target, and every record reads back.
func TestSettleWaitsForCompactions(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir(), NoSyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	pad := strings.Repeat("x", 3000) // ~3 KB keys: a memtable fills in ~5,000 records
	jti := func(i int) string { return fmt.Sprintf("jti-%08d-%s", i, pad) }
	const n = 40000
	unsettled := false
	for i := 0; i < n; i++ {
		if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: jti(i), ExpiresAt: now.Add(24 * time.Hour), RevokedAt: now}); err != nil {
			t.Fatal(err)
		}
		if i%500 == 0 && !s.settled() {
			unsettled = true
		}
	}
	if !unsettled && s.settled() {
		t.Fatalf("the load never left a level past its target:\n%s", s.db.LevelsToString())
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := s.Settle(ctx); err != nil {
		t.Fatalf("Settle: %v; levels:\n%s", err, s.db.LevelsToString())
	}
	for _, l := range s.db.Levels() {
		if l.Score >= 1 {
			t.Fatalf("level %d past its target after Settle:\n%s", l.Level, s.db.LevelsToString())
		}
	}
	for _, i := range []int{0, n / 2, n - 1} {
		if ok, err := s.IsRevoked(ctx, jti(i)); err != nil || !ok {
			t.Fatalf("record %d after Settle: %v %v", i, ok, err)
		}
	}
}

// Settle on an ended context is the context's error while a level is
// past its target, and nil once none is.
func TestSettleEndsWithItsContext(t *testing.T) {
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ended, stop := context.WithCancel(context.Background())
	stop()
	if err := s.Settle(ended); err != nil {
		t.Fatalf("an empty store is settled, Settle said %v", err)
	}
}
