package storetest

import (
	"errors"
	"flag"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// racers is how many goroutines race per round.
const racers = 50

// rounds is how many rounds each race runs; raise it for a soak
// (SECURITY.md RL-03 asks for 1 000): go test ./... -args -storetest.rounds=1000
var rounds = flag.Int("storetest.rounds", 10, "rounds of each storetest race")

// race runs fn(i) for i in [0, racers) in as many goroutines, released at
// once, and returns their errors.
func race(fn func(i int) error) []error {
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks that exactly one error is nil and every other is
// ErrConsumed or ErrConflict, and returns the winner's index.
func oneWinner(t *testing.T, what string, errs []error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("%s: racers %d and %d both won", what, winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, authcore.ErrConsumed) && !errors.Is(err, authcore.ErrConflict):
			t.Errorf("%s: racer %d: %v, want ErrConsumed or ErrConflict", what, i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("%s: nobody won", what)
	}
	return winner
}

func testConsumeRace(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	for round := range *rounds {
		hash := fmt.Sprintf("code-%d", round)
		must(t, "CreateAuthCode", s.CreateAuthCode(ctx, newCode(hash, now)))
		seen := make([]authcore.AuthCode, racers)
		errs := race(func(i int) error {
			var err error
			seen[i], err = s.ConsumeAuthCode(ctx, hash, fmt.Sprintf("g%d", i), now)
			return err
		})
		what := fmt.Sprintf("round %d", round)
		w := oneWinner(t, what, errs)
		wantGrant := fmt.Sprintf("g%d", w)
		for i, err := range errs {
			if errors.Is(err, authcore.ErrConsumed) && seen[i].GrantID != wantGrant {
				t.Errorf("%s: loser %d saw GrantID %q, want the winner's %q", what, i, seen[i].GrantID, wantGrant)
			}
		}
		got, err := s.ConsumeAuthCode(ctx, hash, "late", now)
		wantErr(t, what+": consume after the race", err, authcore.ErrConsumed)
		if got.GrantID != wantGrant {
			t.Errorf("%s: stored GrantID %q, want %q", what, got.GrantID, wantGrant)
		}
	}
}

func testRotateRace(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	for round := range *rounds {
		gid, old := fmt.Sprintf("g%d", round), fmt.Sprintf("rt%d", round)
		g, rt := newGrant(gid, now), newRT(old, gid, now)
		g.AccessJTIs = nil
		must(t, "CreateGrant", s.CreateGrant(ctx, g, &rt))
		next := func(i int) string { return fmt.Sprintf("%s-next%d", old, i) }
		errs := race(func(i int) error {
			_, err := s.RotateRefreshToken(ctx, old, newRT(next(i), gid, now), at(next(i)+"-at", now), now)
			return err
		})
		what := fmt.Sprintf("round %d", round)
		w := oneWinner(t, what, errs)

		stored, err := s.GetRefreshToken(ctx, old)
		must(t, what+": old token", err)
		if !stored.Rotated || stored.NextHash != next(w) {
			t.Errorf("%s: old token %+v, want rotated to %s", what, stored, next(w))
		}
		successors := 0
		for i := range racers {
			if _, err := s.GetRefreshToken(ctx, next(i)); err == nil {
				successors++
			} else if i == w {
				t.Errorf("%s: winner's successor: %v", what, err)
			}
		}
		if successors != 1 {
			t.Errorf("%s: %d successors exist, want exactly 1", what, successors)
		}
		got, err := s.GetGrant(ctx, gid)
		must(t, what+": grant", err)
		if len(got.AccessJTIs) != 1 || got.AccessJTIs[0].JTI != next(w)+"-at" {
			t.Errorf("%s: grant AccessJTIs %+v, want only the winner's", what, got.AccessJTIs)
		}
	}
}

// testRevokeRotateRace revokes a grant while its refresh token is being
// rotated: whoever commits first, no refresh token of the family may be
// usable afterwards.
func testRevokeRotateRace(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	for round := range 5 * *rounds {
		gid := fmt.Sprintf("g%d", round)
		g, rt := newGrant(gid, now), newRT(gid+"-rt", gid, now)
		must(t, "CreateGrant", s.CreateGrant(ctx, g, &rt))
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _ = s.RotateRefreshToken(ctx, gid+"-rt", newRT(gid+"-next", gid, now), authcore.IssuedToken{}, now)
		}()
		go func() {
			defer wg.Done()
			if err := s.RevokeGrant(ctx, gid, "race", now); err != nil {
				t.Errorf("RevokeGrant: %v", err)
			}
		}()
		wg.Wait()
		for _, h := range []string{gid + "-rt", gid + "-next"} {
			_, err := s.GetRefreshToken(ctx, h)
			wantErr(t, fmt.Sprintf("round %d: %s after revocation", round, h), err, authcore.ErrNotFound)
			_, err = s.RotateRefreshToken(ctx, h, newRT(h+"-after", gid, now), authcore.IssuedToken{}, now.Add(time.Second))
			wantErr(t, fmt.Sprintf("round %d: rotate %s after revocation", round, h), err, authcore.ErrNotFound)
		}
	}
}
