package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// failingStore fails the operations named in fail with a storage error
// whose text must never reach a client.
type failingStore struct {
	authcore.Storage
	fail map[string]bool
}

var errDisk = errors.New("badger: write /var/lib/latchkey/000042.vlog: no space left on device")

func (f *failingStore) RevokeGrant(ctx context.Context, id, why string, now time.Time) error {
	if f.fail["RevokeGrant"] {
		return errDisk
	}
	return f.Storage.RevokeGrant(ctx, id, why, now)
}

func (f *failingStore) RevokeAccessToken(ctx context.Context, r authcore.Revocation) error {
	if f.fail["RevokeAccessToken"] {
		return errDisk
	}
	return f.Storage.RevokeAccessToken(ctx, r)
}

func (f *failingStore) GetClient(ctx context.Context, id string) (authcore.Client, error) {
	if f.fail["GetClient"] {
		return authcore.Client{}, errDisk
	}
	return f.Storage.GetClient(ctx, id)
}

func (f *failingStore) CreateGrant(ctx context.Context, g authcore.Grant, rt *authcore.RefreshToken) error {
	if f.fail["CreateGrant"] {
		return errDisk
	}
	return f.Storage.CreateGrant(ctx, g, rt)
}

func (f *failingStore) RedeemAuthCode(ctx context.Context, h string, g authcore.Grant, rt *authcore.RefreshToken, now time.Time) (authcore.AuthCode, error) {
	if f.fail["RedeemAuthCode"] {
		return authcore.AuthCode{}, errDisk
	}
	return f.Storage.RedeemAuthCode(ctx, h, g, rt, now)
}

// withFailing swaps the env's store for a failingStore (the clients
// already registered stay).
func withFailing(e *env) *failingStore {
	fs := &failingStore{Storage: e.store, fail: map[string]bool{}}
	e.srv.store = fs
	return fs
}

// TestRevoke covers RFC 7009 and docs/security.md REV-01, REV-02.
func TestRevoke(t *testing.T) {
	e := newEnv(t)
	revoke := func(c testClient, token, hint string) tokenReply {
		f := url.Values{"token": {token}}
		if hint != "" {
			f.Set("token_type_hint", hint)
		}
		return e.post("/revoke", f, e.auth(c, f))
	}
	t.Run("refresh token revokes its grant", func(t *testing.T) {
		tr := e.tokens(e.web)
		if r := revoke(e.web, tr.str("refresh_token"), "access_token"); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.raw)
		}
		if e.active(e.rs, tr.str("access_token")) || e.active(e.web, tr.str("refresh_token")) {
			t.Fatal("grant still active")
		}
		if r := e.refresh(e.web, tr.str("refresh_token")); r.status != 400 || r.str("error") != "invalid_grant" {
			t.Fatalf("refresh after revoke: %d %s", r.status, r.raw)
		}
	})
	t.Run("access token by jti, wrong hint", func(t *testing.T) {
		tr := e.tokens(e.native)
		if r := revoke(e.native, tr.str("access_token"), "refresh_token"); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.raw)
		}
		if e.active(e.rs, tr.str("access_token")) {
			t.Fatal("access token still active")
		}
		if r := e.refresh(e.native, tr.str("refresh_token")); r.status != 200 {
			t.Fatalf("refresh token should survive: %d %s", r.status, r.raw)
		}
	})
	t.Run("garbage is 200", func(t *testing.T) {
		for _, tok := range []string{"garbage", "a.b.c", "x"} {
			if r := revoke(e.web, tok, ""); r.status != 200 {
				t.Fatalf("%q: %d %s", tok, r.status, r.raw)
			}
		}
	})
	t.Run("another client's token is refused", func(t *testing.T) {
		tr := e.tokens(e.web)
		for _, tok := range []string{tr.str("access_token"), tr.str("refresh_token")} {
			r := revoke(e.web2, tok, "")
			if r.status != 400 || r.str("error") != "unauthorized_client" {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
		}
		if !e.active(e.rs, tr.str("access_token")) || !e.active(e.web, tr.str("refresh_token")) {
			t.Fatal("foreign revocation took effect")
		}
	})
	t.Run("no client authentication", func(t *testing.T) {
		r := e.post("/revoke", url.Values{"token": {"x"}}, nil)
		if r.status != 400 || r.str("error") != "invalid_client" {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("storage failure is 503", func(t *testing.T) {
		tr := e.tokens(e.web)
		fs := withFailing(e)
		defer func() { e.srv.store = e.store }()
		fs.fail["RevokeGrant"], fs.fail["RevokeAccessToken"] = true, true
		for _, tok := range []string{tr.str("access_token"), tr.str("refresh_token")} {
			r := revoke(e.web, tok, "")
			if r.status != 503 || r.str("error") != "temporarily_unavailable" || containsAny(r.raw, "badger", "space", "vlog") {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
		}
	})
}

// TestIntrospect covers RFC 7662 and docs/security.md INT-01.
func TestIntrospect(t *testing.T) {
	e := newEnv(t)
	tr := e.tokens(e.web)
	at, rt := tr.str("access_token"), tr.str("refresh_token")
	t.Run("active access token", func(t *testing.T) {
		r := e.introspect(e.web, at)
		for _, k := range []string{"scope", "client_id", "sub", "aud", "iss", "exp", "iat", "jti", "token_type"} {
			if _, ok := r.body[k]; !ok || r.body["active"] != true {
				t.Fatalf("missing %s: %s", k, r.raw)
			}
		}
		if r.body["sub"] != "alice" || r.body["client_id"] != e.web.ID || r.body["token_type"] != "Bearer" {
			t.Fatal(r.raw)
		}
	})
	t.Run("active refresh token", func(t *testing.T) {
		r := e.introspect(e.web, rt)
		if r.body["active"] != true || r.body["token_type"] != "refresh_token" || r.body["scope"] != "openid offline_access orders:read" {
			t.Fatal(r.raw)
		}
	})
	inactive := []struct {
		name, token string
		caller      testClient
	}{
		{"unknown", "garbage", e.web},
		{"forged jwt", at[:len(at)-4] + "AAAA", e.web},
		{"other client, other audience", at, e.svc},
		{"other client's refresh token", rt, e.rs},
	}
	for _, tc := range inactive {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.introspect(tc.caller, tc.token); r.status != 200 || r.raw != "{\"active\":false}\n" {
				t.Fatalf("got %d %q", r.status, r.raw)
			}
		})
	}
	t.Run("public or unauthenticated caller is 401", func(t *testing.T) {
		f := url.Values{"token": {at}, "client_id": {e.native.ID}}
		for _, r := range []tokenReply{e.post("/introspect", f, nil), e.post("/introspect", url.Values{"token": {at}}, nil)} {
			if r.status != 401 || r.str("error") != "invalid_client" || r.header.Get("WWW-Authenticate") == "" {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
		}
	})
	t.Run("expired", func(t *testing.T) {
		e2 := newEnv(t)
		tok := e2.tokens(e2.web).str("access_token")
		e2.clock.Advance(11 * time.Minute)
		if e2.active(e2.web, tok) {
			t.Fatal("expired token active")
		}
	})
	t.Run("other issuer", func(t *testing.T) {
		e2 := newEnv(t)
		e2.signer = e.signer // same key, different issuer
		e2.srv.signer = e.signer
		if e2.active(e2.rs, at) {
			t.Fatal("token of another issuer active")
		}
	})
	t.Run("deleted client's token, asked by a resource server", func(t *testing.T) {
		// A client_credentials token belongs to no grant: only the
		// client's deletion mark stops it. The owner's own introspection
		// skips the mark (it has just authenticated, so it exists); any
		// other caller reads it.
		e2 := newEnv(t)
		api := e2.client(ClientSpec{Name: "api", GrantTypes: []string{authcore.GrantClientCredentials}, Audience: []string{"https://api.example"}})
		tok := e2.post("/token", url.Values{"grant_type": {"client_credentials"}}, &e2.svc).str("access_token")
		if tok == "" || !e2.active(api, tok) || !e2.active(e2.svc, tok) {
			t.Fatal("the token is not active before the delete")
		}
		if err := e2.srv.DeleteClient(context.Background(), e2.svc.ID); err != nil {
			t.Fatal(err)
		}
		if e2.active(api, tok) {
			t.Fatal("a deleted client's token is active to a resource server")
		}
		if r := e2.introspect(e2.svc, tok); r.status != 401 {
			t.Fatalf("the deleted client introspected: %d %s", r.status, r.raw)
		}
	})
	t.Run("revoked key", func(t *testing.T) {
		e.signer.revokeKey()
		if e.active(e.web, at) {
			t.Fatal("token of a revoked key active")
		}
	})
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
