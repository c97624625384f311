package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testUseOnce checks the single-use contract of authcore.Nonces: the
// first use wins, a second is ErrConsumed, kinds and ids are separate
// namespaces (also against a "/" inside an id), and a dead expiry is
// refused.
func testUseOnce(t *testing.T, s authcore.Storage, clk *Clock) {
	exp := clk.Now().Add(time.Hour)
	must(t, "first use", s.UseOnce(ctx, "client_assertion", "c1:j1", exp))
	wantErr(t, "second use", s.UseOnce(ctx, "client_assertion", "c1:j1", exp), authcore.ErrConsumed)
	wantErr(t, "second use, longer expiry", s.UseOnce(ctx, "client_assertion", "c1:j1", exp.Add(time.Hour)), authcore.ErrConsumed)
	must(t, "other id", s.UseOnce(ctx, "client_assertion", "c2:j1", exp))
	must(t, "other kind", s.UseOnce(ctx, "dpop", "c1:j1", exp))
	must(t, "id with a slash", s.UseOnce(ctx, "client_assertion", "c1/j1", exp))
	must(t, "kind with a slash", s.UseOnce(ctx, "client_assertion/c1", "j1", exp))
	wantErr(t, "past expiry", s.UseOnce(ctx, "client_assertion", "c1:past", clk.Now().Add(-time.Second)), authcore.ErrConsumed)
	wantErr(t, "zero expiry", s.UseOnce(ctx, "client_assertion", "c1:zero", time.Time{}), authcore.ErrConsumed)
	must(t, "id refused while dead may be used later", s.UseOnce(ctx, "client_assertion", "c1:past", exp))
	if err := s.UseOnce(ctx, "", "x", exp); err == nil || errors.Is(err, authcore.ErrConsumed) {
		t.Errorf("empty kind: %v, want a validation error", err)
	}
	if err := s.UseOnce(ctx, "k", "", exp); err == nil || errors.Is(err, authcore.ErrConsumed) {
		t.Errorf("empty id: %v, want a validation error", err)
	}
}

// testUseOnceExpiry checks that expiry is absolute and checked on read,
// to the millisecond, not only by a backend's coarser TTL: the value is
// usable again once its record has expired.
func testUseOnceExpiry(t *testing.T, s authcore.Storage, clk *Clock) {
	exp := clk.Now().Add(1100 * time.Millisecond)
	must(t, "first use", s.UseOnce(ctx, "k", "short", exp))
	wantErr(t, "replay before expiry", s.UseOnce(ctx, "k", "short", exp), authcore.ErrConsumed)
	clk.Advance(1099 * time.Millisecond)
	wantErr(t, "replay a millisecond before expiry", s.UseOnce(ctx, "k", "short", exp.Add(time.Hour)), authcore.ErrConsumed)
	clk.Advance(time.Millisecond)
	must(t, "use at expiry", s.UseOnce(ctx, "k", "short", clk.Now().Add(time.Hour)))
	wantErr(t, "replay of the new record", s.UseOnce(ctx, "k", "short", clk.Now().Add(time.Hour)), authcore.ErrConsumed)
}

// testUseOnceGC checks that GarbageCollect removes expired single-use
// records (and counts them) and keeps live ones.
func testUseOnceGC(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	must(t, "soon", s.UseOnce(ctx, "k", "soon", now.Add(time.Hour)))
	must(t, "later", s.UseOnce(ctx, "k", "later", now.Add(3*time.Hour)))
	n, err := s.GarbageCollect(ctx, now.Add(2*time.Hour))
	must(t, "GarbageCollect", err)
	if n != 1 {
		t.Errorf("GarbageCollect removed %d records, want 1", n)
	}
	must(t, "collected record is gone", s.UseOnce(ctx, "k", "soon", now.Add(time.Hour)))
	wantErr(t, "surviving record", s.UseOnce(ctx, "k", "later", now.Add(time.Hour)), authcore.ErrConsumed)
}

// testUseOnceRace has 50 goroutines use the same id at once: exactly one
// gets nil, every other ErrConsumed (SECURITY.md RL-05).
func testUseOnceRace(t *testing.T, s authcore.Storage, clk *Clock) {
	exp := clk.Now().Add(time.Hour)
	for round := range *rounds {
		id := fmt.Sprintf("client:jti-%d", round)
		errs := race(func(int) error { return s.UseOnce(ctx, "client_assertion", id, exp) })
		what := fmt.Sprintf("round %d", round)
		oneWinner(t, what, errs)
		for i, err := range errs {
			if err != nil && !errors.Is(err, authcore.ErrConsumed) {
				t.Errorf("%s: racer %d: %v, want ErrConsumed", what, i, err)
			}
		}
	}
}
