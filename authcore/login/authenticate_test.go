package login

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

func TestAuthenticateOutcomes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bob, err := e.m.CreateUser(ctx, UserSpec{Username: "bob", Password: "bob's password"})
	must(t, err)
	must(t, e.m.SetDisabled(ctx, bob.ID, true))
	tests := []struct {
		name, user, pw string
		want           error
		reason         string
	}{
		{"ok", "alice", alicePassword, nil, ""},
		{"ok case-insensitive", "ALICE", alicePassword, nil, ""},
		{"wrong password", "alice", "nope nope", ErrInvalidCredentials, reasonBadPassword},
		{"unknown user", "mallory", alicePassword, ErrInvalidCredentials, reasonUnknownUser},
		{"malformed username", "<x>", alicePassword, ErrInvalidCredentials, reasonUnknownUser},
		{"oversized password", "alice", strings.Repeat("p", 5000), ErrInvalidCredentials, reasonBadPassword},
		{"disabled, right password", "bob", "bob's password", ErrDisabled, reasonDisabled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.rec.Reset()
			u, err := e.m.Authenticate(ctx, tc.user, tc.pw)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				if u.ID != e.alice.ID || len(e.rec.Of(audit.LoginSucceeded)) != 1 {
					t.Fatalf("user %q, events %s", u.ID, e.rec.String())
				}
				return
			}
			failed := e.rec.Of(audit.LoginFailed)
			if len(failed) != 1 || failed[0].Reason != tc.reason {
				t.Fatalf("events %s, want one login.failed %s", e.rec.String(), tc.reason)
			}
		})
	}
	must(t, e.m.Unlock(ctx, e.alice.ID)) // the failures above count toward lockout
	if strings.Contains(e.rec.String(), alicePassword) || strings.Contains(e.rec.String(), "bob's password") {
		t.Fatal("a password reached the audit log")
	}
}

func TestLockout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		if _, err := e.m.Authenticate(ctx, "alice", "wrong password"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
		e.clock.Advance(time.Minute)
		if got := len(e.rec.Of(audit.AccountLocked)); got != map[bool]int{true: 1}[i == 5] {
			t.Fatalf("after %d failures: %d account.locked events", i, got)
		}
	}
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); !errors.Is(err, ErrLocked) {
		t.Fatalf("right password while locked: %v, want ErrLocked", err)
	}
	if f := e.rec.Of(audit.LoginFailed); f[len(f)-1].Reason != reasonLocked {
		t.Fatalf("reason %q", f[len(f)-1].Reason)
	}
	e.clock.Advance(13 * time.Minute) // 14 min after the lock
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); !errors.Is(err, ErrLocked) {
		t.Fatalf("before 15 min: %v", err)
	}
	e.clock.Advance(time.Minute + time.Second)
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); err != nil {
		t.Fatalf("after 15 min: %v", err)
	}
	u, _ := e.store.GetUser(ctx, e.alice.ID)
	if len(u.FailedLogins) != 0 || !u.LockedUntil.IsZero() {
		t.Fatalf("success left failures %v, lock %v", u.FailedLogins, u.LockedUntil)
	}
}

func TestLockoutWindowAndUnlock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fail := func(n int) {
		for range n {
			_, _ = e.m.Authenticate(ctx, "alice", "wrong password")
		}
	}
	fail(4)
	e.clock.Advance(16 * time.Minute) // the four fall out of the window
	fail(4)
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); err != nil {
		t.Fatalf("4+4 failures across windows locked the account: %v", err)
	}
	fail(5)
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); !errors.Is(err, ErrLocked) {
		t.Fatalf("want locked, got %v", err)
	}
	must(t, e.m.Unlock(ctx, e.alice.ID))
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
}

func TestUnknownUserSpendsHashTime(t *testing.T) {
	e := newEnv(t)
	// The dummy hash is a real hash with the current parameters, so an
	// unknown user costs one full verification, like a known one.
	if needsRehash(e.m.dummy, e.m.cfg.PasswordParams) {
		t.Fatalf("dummy hash %q does not use the configured parameters", e.m.dummy)
	}
	for range cap(e.m.hashSem) { // occupy every hashing slot
		e.m.hashSem <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.m.Authenticate(ctx, "nobody-here", "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unknown user did not wait for a hashing slot: %v", err)
	}
	for range cap(e.m.hashSem) {
		<-e.m.hashSem
	}
}

func TestRehashOnLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	h, err := HashPassword(rand.Reader, alicePassword, old)
	must(t, err)
	must(t, e.store.UpdateUser(ctx, e.alice.ID, func(u authcore.User) (authcore.User, error) {
		u.PasswordHash = h
		return u, nil
	}))
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); err != nil {
		t.Fatal(err)
	}
	u, _ := e.store.GetUser(ctx, e.alice.ID)
	if u.PasswordHash == h || needsRehash(u.PasswordHash, testParams) {
		t.Fatalf("hash not upgraded: %q", u.PasswordHash)
	}
}

// A new lockout policy applies to the next login, with no restart.
func TestSetLockoutAppliesLive(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(t, e.m.SetLockout(Lockout{Threshold: 2, Window: time.Hour, Duration: 3 * time.Minute}))
	if got := e.m.Lockout(); got != (Lockout{Threshold: 2, Window: time.Hour, Duration: 3 * time.Minute}) {
		t.Fatalf("Lockout() = %+v", got)
	}
	for i := range 2 {
		if _, err := e.m.Authenticate(ctx, "alice", "wrong password"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	locked := e.rec.Of(audit.AccountLocked)
	if len(locked) != 1 || locked[0].Details["failures"] != 2 {
		t.Fatalf("account.locked events: %s", e.rec.String())
	}
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); !errors.Is(err, ErrLocked) {
		t.Fatalf("after 2 failures under a threshold of 2: %v, want ErrLocked", err)
	}
	e.clock.Advance(3*time.Minute + time.Second)
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); err != nil {
		t.Fatalf("after the 3 min lock: %v", err)
	}
	// Back to the defaults: two failures no longer lock.
	must(t, e.m.SetLockout(Lockout{}))
	for range 2 {
		_, _ = e.m.Authenticate(ctx, "alice", "wrong password")
	}
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); err != nil {
		t.Fatalf("default threshold 5 locked after 2: %v", err)
	}
	if err := e.m.SetLockout(Lockout{Threshold: -1}); err == nil {
		t.Fatal("negative threshold accepted")
	}
}
