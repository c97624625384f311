package passkey

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/passkey/passkeytest"
)

const (
	issuer = "https://id.example.com"
	origin = "https://id.example.com"
	rpID   = "id.example.com"
)

var alice = authcore.User{ID: "u-alice-0123456789", Username: "alice"}

func newRP(t *testing.T) (*RP, *time.Time) {
	t.Helper()
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	rp, err := New(Config{Issuer: issuer, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return rp, &now
}

// register runs a registration ceremony for alice with a and returns the
// stored passkey.
func register(t *testing.T, rp *RP, a *passkeytest.Authenticator, keys []authcore.Passkey) authcore.Passkey {
	t.Helper()
	opts, st, err := rp.BeginRegistration(alice, keys)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rp.FinishRegistration(alice, keys, st, a.Create(opts, []byte(alice.ID)), "Laptop")
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return p
}

func loader(keys ...authcore.Passkey) Loader {
	return func(id string) (authcore.User, []authcore.Passkey, error) {
		if id != alice.ID {
			return authcore.User{}, nil, authcore.ErrNotFound
		}
		return alice, keys, nil
	}
}

func TestRegisterThenSignIn(t *testing.T) {
	rp, now := newRP(t)
	a := passkeytest.New(t, rpID, origin)
	a.BE = true
	p := register(t, rp, a, nil)
	if p.UserID != alice.ID || p.Name != "Laptop" || !p.BackupEligible || p.AttestationType != "none" || len(p.PublicKey) == 0 {
		t.Fatalf("registered %+v", p)
	}
	for _, purpose := range []Purpose{SecondFactor, Passwordless} {
		var u *authcore.User
		if purpose == SecondFactor {
			u = &alice
		}
		opts, st, err := rp.BeginLogin(u, []authcore.Passkey{p})
		if err != nil {
			t.Fatal(err)
		}
		*now = now.Add(time.Minute)
		as, err := rp.FinishLogin(purpose, st, a.Get(opts), loader(p))
		if err != nil {
			t.Fatalf("%s: FinishLogin: %v", purpose, err)
		}
		if as.User.ID != alice.ID || !as.UserVerified || as.Passkey.SignCount != a.Count || !as.Passkey.LastUsedAt.Equal(*now) {
			t.Fatalf("%s: assertion %+v", purpose, as)
		}
		p = as.Passkey
	}
}

func TestSignInRefusals(t *testing.T) {
	rp, _ := newRP(t)
	a := passkeytest.New(t, rpID, origin)
	p := register(t, rp, a, nil)
	p.SignCount = 5
	a.Count = 5
	tests := []struct {
		name    string
		purpose Purpose
		answer  func(opts []byte) []byte
		want    error // nil: any refusal
	}{
		{"counter went backwards", SecondFactor, func(o []byte) []byte { a.Count = 3; return a.Sign(o) }, ErrCloned},
		{"counter did not advance", SecondFactor, func(o []byte) []byte { a.Count = 5; return a.Sign(o) }, ErrCloned},
		{"another authenticator", SecondFactor, func(o []byte) []byte {
			b := passkeytest.New(t, rpID, origin)
			b.User = []byte(alice.ID)
			return b.Get(o)
		}, ErrUnknown},
		{"another authenticator, passwordless", Passwordless, func(o []byte) []byte {
			b := passkeytest.New(t, rpID, origin)
			b.User = []byte(alice.ID)
			return b.Get(o)
		}, ErrUnknown},
		{"wrong RP ID", SecondFactor, func(o []byte) []byte {
			a.RPID = "evil.example"
			defer func() { a.RPID = rpID }()
			a.Count = 9
			return a.Sign(o)
		}, ErrRefused},
		{"wrong origin", SecondFactor, func(o []byte) []byte {
			a.Origin = "https://evil.example"
			defer func() { a.Origin = origin }()
			a.Count = 9
			return a.Sign(o)
		}, ErrRefused},
		{"no user verification, passwordless", Passwordless, func(o []byte) []byte { a.UV = false; defer func() { a.UV = true }(); a.Count = 9; return a.Sign(o) }, nil},
		{"backup eligibility changed", SecondFactor, func(o []byte) []byte { a.BE = true; defer func() { a.BE = false }(); a.Count = 9; return a.Sign(o) }, nil},
		{"backed up but not eligible", SecondFactor, func(o []byte) []byte { a.BS = true; defer func() { a.BS = false }(); a.Count = 9; return a.Sign(o) }, nil},
		{"unknown user handle", Passwordless, func(o []byte) []byte {
			a.User = []byte("u-mallory")
			defer func() { a.User = []byte(alice.ID) }()
			a.Count = 9
			return a.Sign(o)
		}, authcore.ErrNotFound},
		{"garbage", SecondFactor, func([]byte) []byte { return []byte(`{"id":"x"}`) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var u *authcore.User
			if tc.purpose == SecondFactor {
				u = &alice
			}
			opts, st, err := rp.BeginLogin(u, []authcore.Passkey{p})
			if err != nil {
				t.Fatal(err)
			}
			_, err = rp.FinishLogin(tc.purpose, st, tc.answer(opts), loader(p))
			switch {
			case err == nil:
				t.Fatal("accepted")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestStateIsBoundToItsPurposeAndUser(t *testing.T) {
	rp, _ := newRP(t)
	a := passkeytest.New(t, rpID, origin)
	p := register(t, rp, a, nil)
	opts, st, err := rp.BeginLogin(&alice, []authcore.Passkey{p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.FinishLogin(Passwordless, st, a.Get(opts), loader(p)); err == nil {
		t.Fatal("a second-factor state finished a passwordless sign-in")
	}
	opts, st, _ = rp.BeginRegistration(alice, nil)
	bob := authcore.User{ID: "u-bob", Username: "bob"}
	if _, err := rp.FinishRegistration(bob, nil, st, a.Create(opts, []byte(bob.ID)), "x"); err == nil {
		t.Fatal("alice's registration finished for bob")
	}
}

func TestRegistrationRefusals(t *testing.T) {
	rp, _ := newRP(t)
	for name, a := range map[string]*passkeytest.Authenticator{
		"wrong RP ID":  passkeytest.New(t, "evil.example", origin),
		"wrong origin": passkeytest.New(t, rpID, "https://evil.example"),
	} {
		opts, st, err := rp.BeginRegistration(alice, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rp.FinishRegistration(alice, nil, st, a.Create(opts, []byte(alice.ID)), "x"); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
}

func TestNewFollowsTheIssuer(t *testing.T) {
	for issuer, want := range map[string]string{
		"https://ID.Example.com/tenant": "id.example.com",
		"http://localhost:8080":         "localhost",
	} {
		rp, err := New(Config{Issuer: issuer})
		if err != nil || rp.ID() != want {
			t.Errorf("New(%s) = %v, %v; want RP ID %s", issuer, rp, err, want)
		}
	}
	for _, bad := range []string{"http://127.0.0.1:8080", "http://[::1]:8080", "ftp://x", "/relative", ""} {
		if _, err := New(Config{Issuer: bad}); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}
