package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

func testPasskeyChallenges(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	c := authcore.PasskeyChallenge{ID: "c1", State: []byte(`{"challenge":"x"}`), ExpiresAt: now.Add(time.Minute)}
	must(t, "PutPasskeyChallenge", s.PutPasskeyChallenge(ctx, authcore.PasskeyChallenge{ID: "c1", State: []byte("old"), ExpiresAt: now.Add(time.Second)}))
	must(t, "PutPasskeyChallenge replaces", s.PutPasskeyChallenge(ctx, c))
	got, err := s.TakePasskeyChallenge(ctx, "c1")
	must(t, "TakePasskeyChallenge", err)
	same(t, "TakePasskeyChallenge", got, c)
	_, err = s.TakePasskeyChallenge(ctx, "c1")
	wantErr(t, "TakePasskeyChallenge again", err, authcore.ErrNotFound)

	late := authcore.PasskeyChallenge{ID: "c2", State: []byte("s"), ExpiresAt: now.Add(time.Minute)}
	must(t, "PutPasskeyChallenge late", s.PutPasskeyChallenge(ctx, late))
	clk.Advance(time.Minute)
	_, err = s.TakePasskeyChallenge(ctx, "c2")
	wantErr(t, "TakePasskeyChallenge expired", err, authcore.ErrNotFound)

	for round := range *rounds {
		id := fmt.Sprintf("race-%d", round)
		must(t, "PutPasskeyChallenge "+id, s.PutPasskeyChallenge(ctx, authcore.PasskeyChallenge{
			ID: id, State: []byte("s"), ExpiresAt: clk.Now().Add(time.Minute)}))
		errs := race(func(int) error {
			if _, err := s.TakePasskeyChallenge(ctx, id); errors.Is(err, authcore.ErrNotFound) {
				return authcore.ErrConsumed // a loser: somebody else took it
			} else {
				return err
			}
		})
		oneWinner(t, id, errs)
	}
}
