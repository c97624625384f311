package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// errStale is what the race updater returns when its step was taken.
var errStale = errors.New("storetest: step already used")

// testFactors covers the factor records: create, duplicate, get, list
// per user, update, the secret round trip, delete, and their removal
// with the user.
func testFactors(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	for _, id := range []string{"u1", "u2"} {
		must(t, "CreateUser", s.CreateUser(ctx, authcore.User{ID: id, Username: id, CreatedAt: now, UpdatedAt: now}))
	}
	totp := authcore.Factor{ID: "f1", UserID: "u1", Kind: authcore.FactorTOTP, Name: "Phone",
		Secret: []byte("JBSWY3DPEHPK3PXP"), CreatedAt: now}
	rec := authcore.Factor{ID: "f2", UserID: "u1", Kind: authcore.FactorRecovery, Secret: []byte(`["h1","h2"]`),
		Confirmed: true, CreatedAt: now}
	other := authcore.Factor{ID: "f1", UserID: "u2", Kind: authcore.FactorWebAuthn, Name: "Key",
		Data: []byte{1, 2, 3}, Secret: []byte("cred"), Confirmed: true, Counter: 7, CreatedAt: now}
	for _, f := range []authcore.Factor{totp, rec, other} {
		must(t, "CreateFactor", s.CreateFactor(ctx, f))
	}
	wantErr(t, "CreateFactor duplicate", s.CreateFactor(ctx, totp), authcore.ErrAlreadyExists)

	got, err := s.GetFactor(ctx, "u1", "f1")
	must(t, "GetFactor", err)
	same(t, "GetFactor", got, totp)
	_, err = s.GetFactor(ctx, "u2", "f2")
	wantErr(t, "GetFactor of another user", err, authcore.ErrNotFound)

	list, err := s.ListFactors(ctx, "u1")
	must(t, "ListFactors", err)
	same(t, "ListFactors u1", list, []authcore.Factor{totp, rec})

	used := now.Add(5 * time.Second)
	must(t, "UpdateFactor", s.UpdateFactor(ctx, "u1", "f1", func(f authcore.Factor) (authcore.Factor, error) {
		f.Confirmed, f.Counter, f.LastUsedAt = true, 12345, used
		return f, nil
	}))
	got, _ = s.GetFactor(ctx, "u1", "f1")
	if !got.Confirmed || got.Counter != 12345 || !got.LastUsedAt.Equal(used) || string(got.Secret) != string(totp.Secret) {
		t.Errorf("after UpdateFactor: %+v", got)
	}
	sentinel := errors.New("no")
	err = s.UpdateFactor(ctx, "u1", "f1", func(f authcore.Factor) (authcore.Factor, error) { return f, sentinel })
	wantErr(t, "UpdateFactor updater error", err, sentinel)
	err = s.UpdateFactor(ctx, "u1", "nope", func(f authcore.Factor) (authcore.Factor, error) { return f, nil })
	wantErr(t, "UpdateFactor unknown", err, authcore.ErrNotFound)

	must(t, "DeleteFactor", s.DeleteFactor(ctx, "u1", "f2"))
	wantErr(t, "DeleteFactor again", s.DeleteFactor(ctx, "u1", "f2"), authcore.ErrNotFound)

	must(t, "DeleteUser", s.DeleteUser(ctx, "u1"))
	list, err = s.ListFactors(ctx, "u1")
	must(t, "ListFactors after DeleteUser", err)
	if len(list) != 0 {
		t.Errorf("factors outlive their user: %+v", list)
	}
	if _, err := s.GetFactor(ctx, "u2", "f1"); err != nil {
		t.Errorf("another user's factor went with the user: %v", err)
	}
}

// testFactorStepRace: many callers try to accept the same TOTP step at
// once through UpdateFactor; exactly one may win (the single use of a
// one-time code rests on this).
func testFactorStepRace(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	must(t, "CreateUser", s.CreateUser(ctx, authcore.User{ID: "u", Username: "u", CreatedAt: now, UpdatedAt: now}))
	must(t, "CreateFactor", s.CreateFactor(ctx, authcore.Factor{ID: "f", UserID: "u", Kind: authcore.FactorTOTP,
		Confirmed: true, Counter: 10, CreatedAt: now}))
	const n = 16
	var wins, losses atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.UpdateFactor(ctx, "u", "f", func(f authcore.Factor) (authcore.Factor, error) {
				if f.Counter >= 11 {
					return f, errStale
				}
				f.Counter = 11
				return f, nil
			})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, errStale), errors.Is(err, authcore.ErrConflict):
				losses.Add(1)
			default:
				t.Errorf("UpdateFactor: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || wins.Load()+losses.Load() != n {
		t.Errorf("wins=%d losses=%d, want exactly one winner of %d", wins.Load(), losses.Load(), n)
	}
}
