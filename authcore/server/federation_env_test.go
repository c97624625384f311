package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// fedEnv is an external provider (a second Latchkey, on "localhost") and
// Latchkey (on 127.0.0.1) trusting it.
type fedEnv struct {
	up, lk       *server.Server
	upIss, lkIss string
	app          oauth2.Config // Latchkey's client at the provider
	rp           authcore.Client
	rpSecret     string
	ev           *testsupport.Events
}

func newFedEnv(t *testing.T) *fedEnv {
	t.Helper()
	ctx := context.Background()
	e := &fedEnv{ev: &testsupport.Events{}}
	e.up, e.upIss = servertest.StartAt(t, "localhost")
	e.lk, e.lkIss = servertest.Start(t, func(c *server.Config) { c.Audit = e.ev })
	if _, err := e.up.Login.CreateUser(ctx, login.UserSpec{Username: "alice", Email: "alice@example.com", Password: "wonderland-42"}); err != nil {
		t.Fatal(err)
	}
	c, secret, err := e.up.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Latchkey", Type: authcore.Confidential,
		RedirectURIs: []string{e.lkIss + "/federation/callback"}, GrantTypes: []string{"authorization_code"},
		Scopes: []string{"openid", "profile", "email"}})
	if err != nil {
		t.Fatal(err)
	}
	e.app = oauth2.Config{ClientID: c.ID, ClientSecret: secret, RedirectURL: e.lkIss + "/federation/callback",
		Scopes:   []string{"openid", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: e.upIss + "/authorize", TokenURL: e.upIss + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	if _, err := e.lk.Federation.AddProvider(ctx, authcore.IdentityProvider{ID: "upstream", Issuer: e.upIss,
		DisplayName: "Upstream", ClientID: c.ID, ClientSecret: secret, Audiences: []string{c.ID},
		Scopes: []string{"orders:read", "profile"}, Provisioning: authcore.ProvisionCreate, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	e.rp, e.rpSecret, err = e.lk.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Exchanger", Type: authcore.Confidential,
		GrantTypes: []string{authcore.GrantTokenExchange, authcore.GrantJWTBearer},
		Scopes:     []string{"orders:read", "profile"}, Audience: []string{e.lkIss, "https://other.example"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// idToken signs alice in at the provider (the application's own code
// flow there) and returns her real ID token, with nonce.
func (e *fedEnv) idToken(t *testing.T, nonce string) string {
	t.Helper()
	v := oauth2.GenerateVerifier()
	b := testsupport.NewBrowser(t)
	back := b.SignIn(e.upIss, e.app.AuthCodeURL("s", oauth2.S256ChallengeOption(v), oauth2.SetAuthURLParam("nonce", nonce)), "alice", "wonderland-42").Redirect
	tok, err := e.app.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := tok.Extra("id_token").(string)
	if id == "" {
		t.Fatal("no ID token from the provider")
	}
	return id
}

// token posts a form to Latchkey's /token as the exchanging client and
// returns the status and the JSON body.
func (e *fedEnv) token(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.lkIss+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(e.rp.ID, e.rpSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// exchange is a token exchange of subject (an ID token) for Latchkey's
// demo API.
func (e *fedEnv) exchange(t *testing.T, subject string, extra ...string) (int, map[string]any) {
	form := url.Values{"grant_type": {authcore.GrantTokenExchange}, "subject_token": {subject},
		"subject_token_type": {oauth.TokenTypeIDToken}, "resource": {e.lkIss}, "scope": {"orders:read"}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	return e.token(t, form)
}
