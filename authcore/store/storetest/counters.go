package storetest

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testCounters checks authcore.Counters: increments count within a window
// whose end is fixed by the first one, keys are separate, the window's
// end is exclusive (a new window starts at 1 there), MaxCounter changes
// nothing and answers 0 for absent and ended counters, and bad input is
// refused.
func testCounters(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	n, until, err := s.MaxCounter(ctx, now, "c:absent")
	if err != nil || n != 0 || !until.IsZero() {
		t.Fatalf("MaxCounter of an absent key = %d, %v, %v; want 0, zero, nil", n, until, err)
	}
	want := now.Add(time.Minute + time.Second)
	for i := 1; i <= 3; i++ {
		n, until, err := s.IncrementCounter(ctx, "c:a", time.Minute, now.Add(time.Duration(i)*time.Second))
		must(t, "IncrementCounter", err)
		if n != i || !until.Equal(want) {
			t.Fatalf("increment %d = %d until %v; want %d until %v (the first increment fixes the window)", i, n, until, i, want)
		}
	}
	if n, _, err := s.IncrementCounter(ctx, "ip:a", time.Minute, now); err != nil || n != 1 {
		t.Errorf("another key = %d, %v; want 1 (keys are separate)", n, err)
	}
	if n, until, err := s.MaxCounter(ctx, now.Add(3*time.Second), "c:absent", "ip:a", "c:a"); err != nil || n != 3 || !until.Equal(want) {
		t.Errorf("MaxCounter of three keys = %d until %v, %v; want c:a's 3 until %v", n, until, err, want)
	}
	for i := 0; i < 2; i++ { // MaxCounter changes nothing
		if n, until, err := s.MaxCounter(ctx, want.Add(-time.Microsecond), "c:a"); err != nil || n != 3 || !until.Equal(want) {
			t.Errorf("MaxCounter just before the end = %d until %v, %v; want 3 until %v", n, until, err, want)
		}
	}
	if n, _, err := s.MaxCounter(ctx, want, "c:a"); err != nil || n != 0 {
		t.Errorf("MaxCounter at the end = %d, %v; want 0 (expiry is exclusive)", n, err)
	}
	n, until, err = s.IncrementCounter(ctx, "c:a", time.Hour, want)
	if err != nil || n != 1 || !until.Equal(want.Add(time.Hour)) {
		t.Errorf("increment at the end = %d until %v, %v; want 1 until %v (a new window)", n, until, err, want.Add(time.Hour))
	}
	if _, _, err := s.IncrementCounter(ctx, "", time.Minute, now); err == nil {
		t.Error("empty key accepted")
	}
	if _, _, err := s.IncrementCounter(ctx, "c:b", 0, now); err == nil {
		t.Error("zero window accepted")
	}
}

// testCounterRace checks that concurrent increments of one key all count,
// each seeing a distinct value, as increments on several nodes must.
func testCounterRace(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	counts := make([]int, racers)
	errs := race(func(i int) error {
		var err error
		counts[i], _, err = s.IncrementCounter(ctx, "ip:race", time.Hour, now)
		return err
	})
	for i, err := range errs {
		must(t, fmt.Sprintf("racer %d", i), err)
	}
	sort.Ints(counts)
	for i, n := range counts {
		if n != i+1 {
			t.Fatalf("concurrent increments returned %v; want 1..%d, each once", counts, racers)
		}
	}
	if n, _, err := s.MaxCounter(ctx, now, "ip:race"); err != nil || n != racers {
		t.Errorf("MaxCounter after the race = %d, %v; want %d", n, err, racers)
	}
}
