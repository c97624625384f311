package oidc_test

import (
	"context"
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// Where the grant-bound ID token exchange meets other features: another
// client (even one the ID token's aud names) cannot exchange it, since
// the grant is not its own; and a grant whose refresh token was rotated
// is the same grant, so its ID token still exchanges, within its scopes.
func TestAttackIDTokenExchangeAcrossClientsAndRotation(t *testing.T) {
	e := start(t)
	e.user("alice", "alice@example.com")
	api := "https://api.example"
	spec := func(name string) oauth.ClientSpec {
		return oauth.ClientSpec{Name: name, RedirectURIs: []string{cb}, Audience: []string{api},
			GrantTypes: []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken, authcore.GrantTokenExchange},
			Scopes:     []string{"openid", "offline_access", "orders:read"}}
	}
	a := e.rp(spec("A"), "openid", "offline_access", "orders:read")
	other := e.rp(spec("B"), "openid", "offline_access", "orders:read")
	exchange := func(r rp, idt string) (int, map[string]any) {
		t.Helper()
		return e.exchange(t, r, url.Values{"subject_token": {idt}, "subject_token_type": {oauth.TokenTypeIDToken},
			"audience": {api}, "scope": {"orders:read"}})
	}
	tok, idt := codeFlow(t, e, testsupport.NewBrowser(t), a)
	if status, m := exchange(other, idt); status != 400 {
		t.Errorf("another client exchanged A's ID token: %d %v", status, m)
	}
	// Rotation: the refresh token is used once, its successor issued.
	next, err := a.cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v %+v", err, next)
	}
	if status, m := exchange(a, idt); status != 200 || m["scope"] != "orders:read" {
		t.Errorf("ID token after its grant's refresh token rotated: %d %v", status, m)
	}
	if status, m := exchange(other, idt); status != 400 {
		t.Errorf("another client, after rotation: %d %v", status, m)
	}
}
