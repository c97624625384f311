package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// A relying party built on real libraries (go-oidc for discovery and the
// ID token, x/oauth2 for the code exchange) signs alice in with
// response_mode=form_post: its callback is a POST form handler, as in
// ASP.NET and Spring, that checks state and iss, redeems the code and
// verifies the ID token and its nonce.
func TestFormPostRelyingParty(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	alice, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: "alice", Email: "alice@example.com", Password: "wonderland-42"})
	if err != nil {
		t.Fatal(err)
	}
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatal(err)
	}
	var cfg oauth2.Config
	verifier := oauth2.GenerateVerifier()
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.ParseForm() != nil {
			http.Error(w, "form_post expected", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.RawQuery != "" || r.PostForm.Get("state") != "st-rp" || r.PostForm.Get("iss") != issuer {
			http.Error(w, "bad state or iss", http.StatusBadRequest)
			return
		}
		tok, err := cfg.Exchange(r.Context(), r.PostForm.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			http.Error(w, "exchange: "+err.Error(), http.StatusBadGateway)
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}).Verify(r.Context(), raw)
		if err != nil || idt.Nonce != "n-rp" {
			http.Error(w, fmt.Sprintf("id token: %v", err), http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "signed in as %s", idt.Subject)
	}))
	defer rp.Close()
	redirect := rp.URL + "/callback"
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Spring app", Type: authcore.Confidential,
		RedirectURIs: []string{redirect}, Scopes: []string{"openid", "email"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg = oauth2.Config{ClientID: c.ID, ClientSecret: secret, RedirectURL: redirect, Endpoint: provider.Endpoint(),
		Scopes: []string{oidc.ScopeOpenID, "email"}}
	authURL := cfg.AuthCodeURL("st-rp", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-rp"),
		oauth2.SetAuthURLParam("response_mode", "form_post"))
	b := testsupport.NewBrowser(t)
	fp := b.SignIn(issuer, authURL, "alice", "wonderland-42").FormPost
	checkFormPostPage(t, fp, redirect)
	resp, body := b.PostForm(fp.Action, fp.Fields) // what the page's script does
	if resp.StatusCode != http.StatusOK || body != "signed in as "+alice.ID {
		t.Fatalf("relying party: %d %s", resp.StatusCode, body)
	}
}
