package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestCloseWithGroupsInFlight: closing the store while refreshes are
// queued for, or inside, a group of reads or rotations answers every
// caller (none waits forever on a group nobody sends), and a rotation
// that was answered as done is in the database when it is opened again:
// nothing acknowledged is lost. A rotation answered with an error may or
// may not have committed (the connection closed under it), but then its
// token is either still the only live one or rotated onto exactly the
// successor it asked for.
func TestCloseWithGroupsInFlight(t *testing.T) {
	// Close when this many reads, or rotations, have been answered: at
	// once, and while the rest are queued or in a group.
	for round, when := range []struct {
		reads, rotations int64
	}{{0, 0}, {1, 0}, {0, 1}, {0, 24}} {
		t.Run(fmt.Sprintf("close after %d reads, %d rotations", when.reads, when.rotations), func(t *testing.T) {
			dsn := pgtest.Schema(t)
			s := openTest(t, Options{DSN: dsn})
			ctx := context.Background()
			now := time.Now()
			const families = 48
			for i := range families {
				createFamily(t, s, fmt.Sprintf("g%d-%d", round, i), "u1", now, now.Add(time.Hour), now.Add(time.Hour))
			}
			type outcome struct {
				read, rotated bool
				err           error
			}
			results := make([]outcome, families)
			var reads, rotations atomic.Int64
			signal := make(chan struct{}, 2*families)
			var wg sync.WaitGroup
			for i := range families {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := fmt.Sprintf("g%d-%d", round, i)
					rt, g, err := s.GetRefreshFamily(ctx, id+"-rt0")
					reads.Add(1)
					signal <- struct{}{}
					if err != nil || g == nil {
						results[i] = outcome{err: err}
						return
					}
					next := authcore.RefreshToken{Hash: id + "-rt1", GrantID: rt.GrantID, ClientID: rt.ClientID, UserID: rt.UserID,
						Scopes: rt.Scopes, ExpiresAt: rt.ExpiresAt, CreatedAt: now}
					_, err = s.RotateRefreshToken(ctx, rt.Hash, next,
						authcore.IssuedToken{JTI: id + "-at1", ExpiresAt: now.Add(time.Minute), Kid: "k1"}, now)
					results[i] = outcome{read: true, rotated: err == nil, err: err}
					rotations.Add(1)
					signal <- struct{}{}
				}()
			}
			for reads.Load() < when.reads || rotations.Load() < when.rotations {
				<-signal
			}
			closed := make(chan struct{})
			go func() { _ = s.Close(); close(closed) }()
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("callers still waiting 20 s after Close")
			}
			select {
			case <-closed:
			case <-time.After(20 * time.Second):
				t.Fatal("Close still running after 20 s")
			}

			again := openTest(t, Options{DSN: dsn})
			var ok, failed int
			for i, r := range results {
				id := fmt.Sprintf("g%d-%d", round, i)
				old, err := again.GetRefreshToken(ctx, id+"-rt0")
				if err != nil {
					t.Fatalf("%s: the family's first token after reopening: %v", id, err)
				}
				_, succErr := again.GetRefreshToken(ctx, id+"-rt1")
				switch {
				case r.rotated:
					ok++
					if !old.Rotated || old.NextHash != id+"-rt1" || succErr != nil {
						t.Errorf("%s: rotation acknowledged but not stored: old %+v, successor %v", id, old, succErr)
					}
				default:
					failed++
					if r.err == nil {
						t.Errorf("%s: neither rotated nor an error", id)
					}
					if old.Rotated != (succErr == nil) || old.Rotated && old.NextHash != id+"-rt1" {
						t.Errorf("%s: after a failed rotation (%v): old %+v, successor %v", id, r.err, old, succErr)
					}
					if succErr != nil && !errors.Is(succErr, authcore.ErrNotFound) {
						t.Errorf("%s: successor read: %v", id, succErr)
					}
				}
			}
			t.Logf("%d rotations acknowledged, %d answered with an error", ok, failed)
			if when.rotations > 0 && ok < int(when.rotations) {
				t.Errorf("%d rotations acknowledged before Close, %d after reopening", when.rotations, ok)
			}
		})
	}
}
