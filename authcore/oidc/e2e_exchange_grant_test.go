package oidc_test

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// Exchanging an ID token (RFC 8693) is bound to the grant that produced
// it (issue 16): an ID token of a sign-in with scope=openid does not buy
// the scopes of an older consent, and it stops working once its grant is
// revoked, its session ended, or every token of the user revoked (the
// console's "revoke all", which revokes the user's live grants).
func TestAttackIDTokenExchangeBoundToGrant(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	alice := e.user("alice", "alice@example.com")
	api := "https://api.example"
	full := e.rp(oauth.ClientSpec{Name: "BFF", RedirectURIs: []string{cb}, Audience: []string{api},
		GrantTypes: []string{authcore.GrantAuthorizationCode, authcore.GrantTokenExchange},
		Scopes:     []string{"openid", "profile", "orders:read"}}, "openid", "profile", "orders:read")
	narrow := full
	narrow.cfg.Scopes = []string{"openid"}
	exchange := func(idt, scope string) (int, map[string]any) {
		t.Helper()
		v := url.Values{"subject_token": {idt}, "subject_token_type": {oauth.TokenTypeIDToken}, "audience": {api}}
		if scope != "" {
			v.Set("scope", scope)
		}
		return e.exchange(t, full, v)
	}
	// grantOf finds the grant that issued an access token.
	grantOf := func(at string) authcore.Grant {
		t.Helper()
		_, c := testsupport.DecodeJWT(t, at)
		gs, err := e.srv.Store.ListGrants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			if slices.ContainsFunc(g.AccessJTIs, func(it authcore.IssuedToken) bool { return it.JTI == c["jti"] }) {
				return g
			}
		}
		t.Fatalf("no grant issued %v", c["jti"])
		return authcore.Grant{}
	}

	b := testsupport.NewBrowser(t)
	tokFull, idtFull := codeFlow(t, e, b, full) // the older, wider consent
	_, idt := codeFlow(t, e, b, narrow)         // scope=openid only
	if status, m := exchange(idt, "profile orders:read"); status != 400 || m["error"] != "invalid_scope" {
		t.Fatalf("openid-only sign-in exchanged for profile orders:read: %d %v", status, m)
	}
	if status, m := exchange(idt, ""); status != 200 || m["scope"] != nil && m["scope"] != "" {
		t.Fatalf("openid-only sign-in exchanged without scope: %d %v", status, m)
	}
	if status, m := exchange(idtFull, "orders:read"); status != 200 || m["scope"] != "orders:read" {
		t.Fatalf("wide sign-in: %d %v", status, m)
	}

	// The grant revoked (console "revoke grant"): refused.
	if err := e.srv.Store.RevokeGrant(ctx, grantOf(tokFull.AccessToken).ID, "test", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if status, m := exchange(idtFull, "orders:read"); status != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("after its grant was revoked: %d %v", status, m)
	}

	// The session ended (RP-initiated logout): refused.
	_, idt = codeFlow(t, e, b, full)
	if status, _ := exchange(idt, "orders:read"); status != 200 {
		t.Fatalf("fresh sign-in: %d", status)
	}
	if resp, _ := b.Get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {idt}}.Encode()); resp.StatusCode != 200 {
		t.Fatalf("end_session: %d", resp.StatusCode)
	}
	if status, m := exchange(idt, "orders:read"); status != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("after the session ended: %d %v", status, m)
	}

	// Every token of the user revoked once the access token has expired,
	// as the console does: each grant still live (not revoked, not past
	// its ExpiresAt) is revoked. The ID token's grant must be among them.
	b2 := testsupport.NewBrowser(t)
	_, idt = codeFlow(t, e, b2, full)
	e.clock.Advance(11 * time.Minute) // past the access token, not the ID token
	if status, m := exchange(idt, "orders:read"); status != 200 {
		t.Fatalf("ID token still valid: %d %v", status, m)
	}
	gs, err := e.srv.Store.ListGrants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.UserID == alice.ID && !g.Revoked && e.clock.Now().Before(g.ExpiresAt) {
			if err := e.srv.Store.RevokeGrant(ctx, g.ID, "all tokens of the user", e.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if status, m := exchange(idt, "orders:read"); status != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("after every token of the user was revoked: %d %v", status, m)
	}
}
