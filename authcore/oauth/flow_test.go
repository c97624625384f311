package oauth

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/latchkey/latchkey/audit"
)

// TestCodeFlowWithOAuth2 drives code + PKCE and refresh with
// golang.org/x/oauth2 over httptest: login, consent, code, exchange,
// rotation, and the old refresh token's reuse revoking the family.
func TestCodeFlowWithOAuth2(t *testing.T) {
	e := newEnv(t)
	for _, c := range []testClient{e.web, e.native, e.postc} {
		t.Run(c.Name, func(t *testing.T) {
			redirect := c.RedirectURIs[0]
			if c.Name == "native" {
				redirect = "http://127.0.0.1:49152/cb" // loopback: any port
			}
			conf := &oauth2.Config{ClientID: c.ID, ClientSecret: c.secret, RedirectURL: redirect,
				Scopes:   []string{"openid", "offline_access", "orders:read"},
				Endpoint: oauth2.Endpoint{AuthURL: e.ts.URL + "/authorize", TokenURL: e.ts.URL + "/token"}}
			verifier := oauth2.GenerateVerifier()
			resp, err := e.browser().Get(conf.AuthCodeURL("xyz", oauth2.S256ChallengeOption(verifier)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("state") != "xyz" ||
				loc.Query().Get("iss") != e.ts.URL {
				t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
			}
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
				t.Fatalf("redirected to %s, want %s", got, redirect)
			}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.ts.Client())
			tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.Extra("scope") != "openid offline_access orders:read" {
				t.Fatalf("token: %+v scope=%v", tok, tok.Extra("scope"))
			}
			var claims accessClaims
			if _, err := e.signer.Verify(tok.AccessToken, "at+jwt", &claims); err != nil {
				t.Fatal(err)
			}
			if claims.Subject != "alice" || claims.ClientID != c.ID || claims.Issuer != e.ts.URL ||
				len(claims.ID) < 22 || claims.Audience[0] != e.ts.URL {
				t.Fatalf("claims: %+v", claims)
			}
			old := tok.RefreshToken
			tok.Expiry = time.Now().Add(-time.Hour)
			fresh, err := conf.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatal(err)
			}
			if fresh.RefreshToken == old || fresh.AccessToken == tok.AccessToken {
				t.Fatal("refresh did not rotate")
			}
			// Reuse of the spent token revokes the family: the successor dies too.
			stale := &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Hour)}
			if _, err := conf.TokenSource(ctx, stale).Token(); !isOAuthError(err, "invalid_grant") {
				t.Fatalf("reuse: %v", err)
			}
			fresh.Expiry = time.Now().Add(-time.Hour)
			if _, err := conf.TokenSource(ctx, fresh).Token(); !isOAuthError(err, "invalid_grant") {
				t.Fatalf("successor after reuse: %v", err)
			}
		})
	}
	if e.rec.count(audit.RefreshReuse) != 3 || e.rec.count(audit.CodeIssued) != 3 {
		t.Fatalf("audit: %d reuse, %d codes", e.rec.count(audit.RefreshReuse), e.rec.count(audit.CodeIssued))
	}
	if e.ui.logins != 3 || e.ui.asked != 3 {
		t.Fatalf("interaction: %d logins, %d consents", e.ui.logins, e.ui.asked)
	}
}

func isOAuthError(err error, code string) bool {
	re, ok := err.(*oauth2.RetrieveError)
	return ok && re.ErrorCode == code
}

// TestClientCredentialsWithOAuth2 uses clientcredentials.Config and
// checks the token's claims and that the hot path writes nothing.
func TestClientCredentialsWithOAuth2(t *testing.T) {
	e := newEnv(t)
	conf := clientcredentials.Config{ClientID: e.svc.ID, ClientSecret: e.svc.secret, TokenURL: e.ts.URL + "/token"}
	cs := &countingStore{Storage: e.store}
	e.srv.store = cs
	tok, err := conf.Token(context.WithValue(context.Background(), oauth2.HTTPClient, e.ts.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" || tok.Extra("scope") != "orders:read" {
		t.Fatalf("token: %+v", tok)
	}
	var c accessClaims
	if _, err := e.signer.Verify(tok.AccessToken, "at+jwt", &c); err != nil {
		t.Fatal(err)
	}
	if c.Subject != e.svc.ID || c.ClientID != e.svc.ID || c.Audience[0] != "https://api.example" ||
		c.ExpiresAt.Sub(c.IssuedAt.Time) != 10*time.Minute {
		t.Fatalf("claims: %+v", c)
	}
	if n := cs.writes.Load(); n != 0 {
		t.Fatalf("client_credentials wrote to the store %d times", n)
	}
	if !e.active(e.svc, tok.AccessToken) {
		t.Fatal("token not active")
	}
}
