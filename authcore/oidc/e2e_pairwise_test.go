package oidc_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// sectorDocs serves sector_identifier_uri documents over HTTPS on
// loopback: /shop.json lists the Shop clients' redirect URIs,
// /other.json lists another one, /page.json answers HTML.
func sectorDocs(t *testing.T) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	docs := map[string]string{
		"/shop.json":  `["https://shop.example/cb","https://m.shop.example/cb"]`,
		"/other.json": `["https://other.example/cb"]`,
		"/page.json":  `<html>not JSON</html>`,
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, pool
}

// startPairwise serves Latchkey with open registration and the sector
// document server's certificate trusted.
func startPairwise(t *testing.T) (*env, string) {
	t.Helper()
	docs, pool := sectorDocs(t)
	e := start(t, openRegistration, func(c *server.Config) { c.SectorFetch = oauth.SectorFetchConfig{RootCAs: pool} })
	return e, docs.URL
}

// subOf is the sub claim of a JWT.
func subOf(t *testing.T, tok string) string {
	t.Helper()
	_, c := testsupport.DecodeJWT(t, tok)
	s, _ := c["sub"].(string)
	return s
}

// userinfoSub is the sub /userinfo (at base) answers for an access token.
func userinfoSub(t *testing.T, base, at string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	status, _, body := call(t, req)
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil || status != 200 {
		t.Fatalf("userinfo: %d %s", status, body)
	}
	s, _ := m["sub"].(string)
	return s
}

// introspectSub is the sub /introspect answers r for token.
func introspectSub(t *testing.T, e *env, r rp, token string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", e.issuer+"/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(r.cfg.ClientID, r.cfg.ClientSecret)
	status, _, body := call(t, req)
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil || status != 200 || m["active"] != true {
		t.Fatalf("introspect: %d %s", status, body)
	}
	s, _ := m["sub"].(string)
	return s
}

// Pairwise subject identifiers (OIDC Core §8.1): two pairwise clients in
// different sectors see different subs for one user, neither the user
// id; two clients sharing a sector_identifier_uri see the same; a public
// client keeps the user id. For each client the ID token, the access
// token, a refreshed access token, userinfo and introspection (access
// and refresh token) agree; a second sign-in gives the same sub; and a
// server started anew on the same store (a restart, another node) maps
// the same user to the same sub and resolves the first server's tokens.
func TestPairwiseSubjects(t *testing.T) {
	e, docs := startPairwise(t)
	ctx := context.Background()
	alice := e.user("alice", "alice@example.com")
	spec := func(name, redirect, sector string, pairwise bool) oauth.ClientSpec {
		s := oauth.ClientSpec{Name: name, RedirectURIs: []string{redirect}, SectorIdentifierURI: sector,
			GrantTypes: []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken},
			Scopes:     []string{"openid", "offline_access", "email"}}
		if pairwise {
			s.SubjectType = authcore.SubjectPairwise
		}
		return s
	}
	clients := map[string]rp{}
	for name, s := range map[string]oauth.ClientSpec{
		"public": spec("Public", cb, "", false),
		"a":      spec("A", "https://a.example/cb", "", true),
		"b":      spec("B", "https://b.example/cb", "", true),
		"shop":   spec("Shop", "https://shop.example/cb", docs+"/shop.json", true),
		"mshop":  spec("Shop mobile", "https://m.shop.example/cb", docs+"/shop.json", true),
	} {
		clients[name] = e.rp(s, "openid", "offline_access", "email")
	}
	subs := map[string]string{}
	b := testsupport.NewBrowser(t) // one sign-in, then single sign-on
	for name, r := range clients {
		tok, idt := codeFlow(t, e, b, r)
		sub := subOf(t, idt)
		subs[name] = sub
		rt, _ := tok.Extra("refresh_token").(string)
		refreshed, err := r.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
		if err != nil {
			t.Fatalf("%s: refresh: %v", name, err)
		}
		for what, got := range map[string]string{
			"access token":           subOf(t, tok.AccessToken),
			"refreshed access token": subOf(t, refreshed.AccessToken),
			"userinfo":               userinfoSub(t, e.issuer, tok.AccessToken),
			"userinfo (refreshed)":   userinfoSub(t, e.issuer, refreshed.AccessToken),
			"introspection":          introspectSub(t, e, r, tok.AccessToken),
			"refresh introspection":  introspectSub(t, e, r, refreshed.RefreshToken),
			"console":                e.srv.OAuth.Subject(r.client, alice.ID),
		} {
			if got != sub {
				t.Errorf("%s: %s sub %q, ID token sub %q", name, what, got, sub)
			}
		}
	}
	for _, name := range []string{"a", "shop"} { // a new sign-in, in another browser
		if _, again := codeFlow(t, e, testsupport.NewBrowser(t), clients[name]); subOf(t, again) != subs[name] {
			t.Errorf("%s: second sign-in sub %q, first %q", name, subOf(t, again), subs[name])
		}
	}
	switch {
	case subs["public"] != alice.ID:
		t.Errorf("public client sub %q, want the user id %q", subs["public"], alice.ID)
	case subs["a"] == subs["b"] || subs["a"] == subs["shop"] || subs["b"] == subs["shop"]:
		t.Errorf("sectors share a sub: %v", subs)
	case subs["shop"] != subs["mshop"]:
		t.Errorf("one sector_identifier_uri, two subs: %q %q", subs["shop"], subs["mshop"])
	}
	for name, s := range subs {
		if name != "public" && (s == alice.ID || strings.Contains(s, alice.ID) || len(s) != 43) {
			t.Errorf("%s: pairwise sub %q is not a 256-bit base64url value distinct from the user id", name, s)
		}
	}

	// Restarted: a new server over the same store.
	again, err := server.New(ctx, server.Config{Issuer: e.issuer, Store: e.srv.Store, Logger: zerolog.Nop(),
		Now: e.clock.Now, KeyAlgorithms: []string{"ES256"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(again.OIDC.Close)
	hs := httptest.NewServer(again.Handler())
	defer hs.Close()
	tok, _ := codeFlow(t, e, testsupport.NewBrowser(t), clients["a"])
	if got := again.OAuth.Subject(clients["a"].client, alice.ID); got != subs["a"] {
		t.Errorf("after a restart: sub %q, before %q", got, subs["a"])
	}
	if got := userinfoSub(t, hs.URL, tok.AccessToken); got != subs["a"] {
		t.Errorf("userinfo of the restarted server: sub %q, want %q", got, subs["a"])
	}
}
