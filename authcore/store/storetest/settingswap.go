package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// testSettingSwap: a swap from what is stored succeeds, from anything
// else (a stale value, "nothing" when something is stored, or a value
// when nothing is) fails with ErrConflict and changes nothing.
func testSettingSwap(t *testing.T, s authcore.Storage, _ *Clock) {
	wantErr(t, "swap from a value when nothing is stored", s.SwapSetting(ctx, "policy", []byte("v0"), []byte("v1")), authcore.ErrConflict)
	must(t, "first swap from nothing", s.SwapSetting(ctx, "policy", nil, []byte("v1")))
	wantErr(t, "second swap from nothing", s.SwapSetting(ctx, "policy", nil, []byte("v2")), authcore.ErrConflict)
	must(t, "swap from the stored value", s.SwapSetting(ctx, "policy", []byte("v1"), []byte("v2")))
	wantErr(t, "swap from a stale value", s.SwapSetting(ctx, "policy", []byte("v1"), []byte("v3")), authcore.ErrConflict)
	got, err := s.GetSetting(ctx, "policy")
	must(t, "GetSetting", err)
	same(t, "after the swaps", got, []byte("v2"))
}

// testSettingSwapRace: of many swaps from the same value, exactly one
// wins; the others get ErrConflict and the stored value is the winner's.
func testSettingSwapRace(t *testing.T, s authcore.Storage, _ *Clock) {
	must(t, "PutSetting", s.PutSetting(ctx, "policy", []byte("v0")))
	errs := race(func(i int) error {
		return s.SwapSetting(ctx, "policy", []byte("v0"), []byte(fmt.Sprintf("v%d", i+1)))
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("racers %d and %d both swapped from the same value", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, authcore.ErrConflict):
			t.Fatalf("racer %d: %v, want ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no racer swapped")
	}
	got, _ := s.GetSetting(ctx, "policy")
	same(t, "the stored value", got, []byte(fmt.Sprintf("v%d", winner+1)))
}
