package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

var continueRE = regexp.MustCompile(`<a class="button" href="([^"]+)">Continue with Upstream</a>`)

// Brokered login end to end: Latchkey's login page -> Continue with
// Upstream -> the provider's login and consent -> /federation/callback
// -> back to the original authorization request -> consent -> code ->
// tokens at Latchkey -> the demo API. The provider's acr reaches
// Latchkey's ID token.
func TestBrokeredLoginEndToEnd(t *testing.T) {
	e := newFedEnv(t)
	ctx := context.Background()
	redirect := "http://127.0.0.1:9/callback"
	shop, secret, err := e.lk.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Shop", Type: authcore.Confidential,
		RedirectURIs: []string{redirect}, GrantTypes: []string{"authorization_code"},
		Scopes: []string{"openid", "orders:read"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := oauth2.Config{ClientID: shop.ID, ClientSecret: secret, RedirectURL: redirect, Scopes: []string{"openid", "orders:read"},
		Endpoint: oauth2.Endpoint{AuthURL: e.lkIss + "/authorize", TokenURL: e.lkIss + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	// The provider is trusted for its sign-in context (acr, amr).
	if _, err := e.lk.Federation.UpdateProvider(ctx, "upstream", func(p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		p.TrustAuthContext = true
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	v := oauth2.GenerateVerifier()
	b := testsupport.NewBrowser(t)
	back := brokeredLogin(t, e, b, cfg.AuthCodeURL("st-9", oauth2.S256ChallengeOption(v), oauth2.SetAuthURLParam("nonce", "rp-nonce")), redirect)
	if back == nil || back.Query().Get("state") != "st-9" || back.Query().Get("iss") != e.lkIss {
		t.Fatalf("authorization response %v", back)
	}
	tok, err := cfg.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	if got := callDemo(t, e.lkIss, tok.AccessToken); got != http.StatusOK {
		t.Fatalf("demo API after brokered login: %d", got)
	}
	var idc jwt.MapClaims
	_, _, _ = jwt.NewParser().ParseUnverified(tok.Extra("id_token").(string), &idc)
	if idc["acr"] != "urn:latchkey:acr:password" || idc["nonce"] != "rp-nonce" || idc["iss"] != e.lkIss {
		t.Fatalf("Latchkey ID token after brokered login: %v", idc)
	}
	links, _ := e.lk.Store.ListFederatedLinks(ctx, idc["sub"].(string))
	if len(links) != 1 || links[0].Issuer != e.upIss {
		t.Fatalf("links of the brokered user: %+v", links)
	}
	if ev, ok := e.ev.Last(audit.LoginSucceeded); !ok || ev.Details["idp"] != "upstream" {
		t.Fatalf("audit of the brokered login: %+v", ev)
	}

	// Not trusted for it, the provider's acr and amr stay outside: the ID
	// token claims no sign-in strength Latchkey did not see.
	if _, err := e.lk.Federation.UpdateProvider(ctx, "upstream", func(p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		p.TrustAuthContext = false
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	back = brokeredLogin(t, e, testsupport.NewBrowser(t), cfg.AuthCodeURL("st-10", oauth2.S256ChallengeOption(v)), redirect)
	tok, err = cfg.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	idc = jwt.MapClaims{}
	_, _, _ = jwt.NewParser().ParseUnverified(tok.Extra("id_token").(string), &idc)
	if _, ok := idc["acr"]; ok || idc["amr"] != nil {
		t.Fatalf("an untrusted provider's acr/amr reached the ID token: %v", idc)
	}

	// A callback that did not start in this browser is refused.
	resp, _ := testsupport.NewBrowser(t).Get(e.lkIss + "/federation/callback?code=x&state=y")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback without state cookie: %d", resp.StatusCode)
	}
	if ev, _ := e.ev.Last(audit.LoginFailed); ev.Reason != "bad_state" {
		t.Fatalf("audit of the forged callback: %+v", ev)
	}
}

// brokeredLogin walks from authURL through Latchkey's login page,
// "Continue with Upstream", the provider's login and both consents, and
// returns the authorization response at redirect.
func brokeredLogin(t *testing.T, e *fedEnv, b *testsupport.Browser, authURL, redirect string) *url.URL {
	t.Helper()
	resp, body := b.Get(authURL)
	var back *url.URL
	for hops := 0; hops < 20 && back == nil; hops++ {
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("hop %d: %d\n%s", hops, resp.StatusCode, body)
		}
		loc, _ := resp.Location()
		if strings.HasPrefix(loc.String(), redirect) {
			back = loc
			break
		}
		resp, body = b.Get(loc.String())
		page := loc.Scheme + "://" + loc.Host
		switch {
		case page == e.lkIss && loc.Path == "/login":
			m := continueRE.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no Continue with button on Latchkey's login page:\n%s", body)
			}
			resp, body = b.Get(e.lkIss + html.UnescapeString(m[1]))
		case page == e.upIss && loc.Path == "/login":
			form := testsupport.Hidden(t, body)
			form.Set("username", "alice")
			form.Set("password", "wonderland-42")
			resp, body = b.PostForm(e.upIss+"/login", form)
		case loc.Path == "/consent" && resp.StatusCode == 200:
			form := testsupport.Hidden(t, body)
			form.Set("decision", "allow")
			resp, body = b.PostForm(page+"/consent", form)
		}
	}
	if back == nil {
		t.Fatal("the brokered login never came back to the client")
	}
	return back
}
