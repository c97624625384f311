package oidc_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/oidc"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// A pairwise client's ID token works as id_token_hint: at /authorize
// with prompt=none (the hint's sub is mapped to the signed-in user), also
// at another client's /authorize, and at /end_session, which ends the
// session at once and sends the back-channel logout token with the
// client's pairwise sub. A hint whose pairwise sub is altered to another
// sector's value (bob's sub at that client) is not taken for alice.
func TestPairwiseHintsAndLogout(t *testing.T) {
	e, _ := startPairwise(t)
	ctx := context.Background()
	alice := e.user("alice", "alice@example.com")
	rec := &logouts{}
	bc := httptest.NewServer(rec)
	defer bc.Close()
	e.srv.OIDC.SetBackchannelAllowPrivate(true) // the client listens on loopback
	bye := "https://a.example/bye"
	a := e.rp(oauth.ClientSpec{Name: "A", RedirectURIs: []string{"https://a.example/cb"}, Scopes: []string{"openid"},
		SubjectType: authcore.SubjectPairwise, PostLogoutRedirectURIs: []string{bye},
		BackchannelLogoutURI: bc.URL + "/bc"}, "openid")
	other := e.rp(oauth.ClientSpec{Name: "B", RedirectURIs: []string{"https://b.example/cb"}, Scopes: []string{"openid"},
		SubjectType: authcore.SubjectPairwise}, "openid")
	b := testsupport.NewBrowser(t)
	_, idt := codeFlow(t, e, b, a)
	_, _ = codeFlow(t, e, b, other) // consent for B too
	sub := subOf(t, idt)
	if sub == alice.ID {
		t.Fatal("pairwise client got the user id")
	}
	verifier := oauth2.GenerateVerifier()
	authorize := func(r rp, hint string) url.Values {
		t.Helper()
		resp, body := b.Get(r.cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier),
			oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", hint)))
		loc, _ := resp.Location()
		if resp.StatusCode != http.StatusSeeOther || loc == nil {
			t.Fatalf("authorize: %d %s", resp.StatusCode, body)
		}
		return loc.Query()
	}
	if q := authorize(a, idt); q.Get("code") == "" {
		t.Fatalf("pairwise id_token_hint at its own client: %v", q)
	}
	if q := authorize(other, idt); q.Get("code") == "" {
		t.Fatalf("pairwise id_token_hint at another client: %v", q)
	}
	// Bob's ID token at A names bob's pairwise sub: not alice's session.
	e.user("bob", "")
	bobIDT := signInAs(t, e, a, "bob")
	if subOf(t, bobIDT) == sub {
		t.Fatal("bob and alice share a pairwise sub")
	}
	if q := authorize(a, bobIDT); q.Get("error") != "login_required" {
		t.Fatalf("another user's pairwise hint: %v", q)
	}
	// Alice's pairwise hint without its grant_id (signed by this server)
	// names nobody: the sub is mapped only through the hint's grant,
	// never by a pass over every user.
	_, claims := testsupport.DecodeJWT(t, idt)
	delete(claims, oidc.ClaimGrantID)
	bare, err := e.srv.Keys.Sign("", oidc.TypIDToken, jwt.MapClaims(claims))
	if err != nil {
		t.Fatal(err)
	}
	if q := authorize(a, bare); q.Get("error") != "login_required" {
		t.Fatalf("a pairwise hint without its grant: %v", q)
	}

	resp, _ := b.Get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {idt},
		"post_logout_redirect_uri": {bye}, "state": {"s"}}.Encode())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != bye+"?state=s" {
		t.Fatalf("end_session with a pairwise hint: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if list, _ := e.srv.OIDC.ListSessions(ctx, alice.ID); len(list) != 0 {
		t.Fatalf("session still live: %+v", list)
	}
	toks := rec.wait(t, 1)
	_, lt := testsupport.DecodeJWT(t, toks[0])
	if lt["sub"] != sub || lt["aud"] != a.client.ID {
		t.Fatalf("logout token sub %v aud %v, want pairwise sub %q", lt["sub"], lt["aud"], sub)
	}
}

// signInAs signs user in to r in a new browser and returns the ID token.
func signInAs(t *testing.T, e *env, r rp, user string) string {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	back := testsupport.NewBrowser(t).SignIn(e.issuer, r.cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)),
		user, password).Redirect
	tok, err := r.cfg.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, _ := tok.Extra("id_token").(string)
	return idt
}
