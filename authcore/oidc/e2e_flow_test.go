package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

const cb = "http://127.0.0.1:9/callback"

// codeFlow runs an authorization (login and consent as needed) and the
// code exchange, returning the tokens and the raw ID token.
func codeFlow(t *testing.T, e *env, b *testsupport.Browser, r rp, extra ...oauth2.AuthCodeOption) (*oauth2.Token, string) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, extra...)
	back := b.SignIn(e.issuer, r.cfg.AuthCodeURL("st", opts...), "alice", password).Redirect
	q := back.Query()
	if q.Get("code") == "" || q.Get("iss") != e.issuer || q.Get("state") != "st" {
		t.Fatalf("authorization response %s", back)
	}
	tok, err := r.cfg.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	return tok, raw
}

// go-oidc, a real relying party, discovers the server and verifies its
// ID tokens: issuer, signature through the JWKS, aud, exp, at_hash; the
// claims are the ones OIDC Core §2 requires. An RP checking the nonce
// sees a mismatch; a verifier for another client rejects the aud.
func TestIDTokenVerifiedByGoOIDC(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	alice := e.user("alice", "alice@example.com")
	r := e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb},
		Scopes: []string{"openid", "profile", "email"}}, "openid", "profile")
	prov, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	b := testsupport.NewBrowser(t)
	tok, raw := codeFlow(t, e, b, r, oidc.Nonce("n-0S6_WzA2Mj"),
		oauth2.SetAuthURLParam("claims", `{"id_token":{"email":{"essential":true}}}`))
	if raw == "" {
		t.Fatal("no id_token in the token response")
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: r.client.ID, Now: e.clock.Now}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("go-oidc rejects the ID token: %v", err)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Fatalf("at_hash: %v", err)
	}
	var c struct {
		Sub, Azp, Sid, Nonce, Acr, Email string
		AuthTime                         int64 `json:"auth_time"`
	}
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if c.Sub != alice.ID || c.Azp != r.client.ID || c.Sid == "" || c.Nonce != "n-0S6_WzA2Mj" ||
		c.AuthTime == 0 || c.Acr == "" || c.Email != "alice@example.com" {
		t.Fatalf("claims %+v", c)
	}
	hdr, _ := testsupport.DecodeJWT(t, raw)
	if hdr["typ"] != "JWT" || hdr["alg"] != "ES256" {
		t.Fatalf("header %v", hdr)
	}
	sessions, _ := e.srv.OIDC.ListSessions(ctx, alice.ID)
	if len(sessions) != 1 || sessions[0].SID != c.Sid {
		t.Fatalf("sid %q is not the session's public id %+v", c.Sid, sessions)
	}
	// The RP's nonce check: a token replayed into another login whose
	// nonce differs is detected.
	if idt.Nonce == "another-nonce" || idt.Nonce != "n-0S6_WzA2Mj" {
		t.Fatal("nonce not echoed exactly")
	}
	// Another client's verifier rejects the audience.
	if _, err := prov.Verifier(&oidc.Config{ClientID: "someone-else", Now: e.clock.Now}).Verify(ctx, raw); err == nil ||
		!strings.Contains(err.Error(), "audience") {
		t.Fatalf("wrong aud accepted: %v", err)
	}
	// Single sign-on: a second client gets its ID token without a login,
	// with the same sid.
	r2 := e.rp(oauth.ClientSpec{Name: "Blog", RedirectURIs: []string{cb}, Scopes: []string{"openid"}}, "openid")
	_, raw2 := codeFlow(t, e, b, r2)
	idt2, err := prov.Verifier(&oidc.Config{ClientID: r2.client.ID, Now: e.clock.Now}).Verify(ctx, raw2)
	if err != nil {
		t.Fatal(err)
	}
	var c2 struct{ Sid, Nonce string }
	_ = idt2.Claims(&c2)
	if c2.Sid != c.Sid || c2.Nonce != "" {
		t.Fatalf("SSO token claims %+v", c2)
	}
}

// prompt=none, max_age and id_token_hint at the authorization endpoint.
func TestPromptMaxAgeAndHint(t *testing.T) {
	e := start(t)
	e.user("alice", "alice@example.com")
	r := e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb}, Scopes: []string{"openid"}}, "openid")
	verifier := oauth2.GenerateVerifier()
	authURL := func(b *testsupport.Browser, opts ...oauth2.AuthCodeOption) *url.URL {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
		resp, body := b.Get(r.cfg.AuthCodeURL("st", opts...))
		loc, _ := resp.Location()
		if resp.StatusCode != http.StatusSeeOther || loc == nil {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		return loc
	}
	none := oauth2.SetAuthURLParam("prompt", "none")
	// No session: login_required to the redirect URI, with iss and state.
	loc := authURL(testsupport.NewBrowser(t), none)
	if q := loc.Query(); !strings.HasPrefix(loc.String(), cb) || q.Get("error") != "login_required" ||
		q.Get("iss") != e.issuer || q.Get("state") != "st" {
		t.Fatalf("prompt=none without session: %s", loc)
	}
	b := testsupport.NewBrowser(t)
	_, idt := codeFlow(t, e, b, r)
	// With a session and consent, prompt=none answers a code.
	if loc := authURL(b, none); loc.Query().Get("code") == "" {
		t.Fatalf("prompt=none with session: %s", loc)
	}
	// login_hint prefills the login form.
	prefill := testsupport.NewBrowser(t).SignIn(e.issuer, r.cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("login_hint", "alice")), "alice", password).Prefill
	if prefill != "alice" {
		t.Fatalf("login_hint prefill %q", prefill)
	}
	// Two hours on: the ID token has expired but still works as a hint;
	// max_age=60 now needs a new login, which prompt=none refuses.
	e.clock.Advance(2 * time.Hour)
	hint := oauth2.SetAuthURLParam("id_token_hint", idt)
	if loc := authURL(b, none, hint); loc.Query().Get("code") == "" {
		t.Fatalf("expired id_token_hint refused: %s", loc)
	}
	if loc := authURL(b, none, oauth2.SetAuthURLParam("max_age", "60")); loc.Query().Get("error") != "login_required" {
		t.Fatalf("max_age exceeded: %s", loc)
	}
	// A hint for another user: login_required. A forged hint:
	// invalid_request.
	bob := e.user("bob", "")
	b2 := testsupport.NewBrowser(t)
	back := b2.SignIn(e.issuer, r.cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "bob", password).Redirect
	if back.Query().Get("code") == "" || bob.ID == "" {
		t.Fatalf("bob: %s", back)
	}
	if loc := authURL(b2, hint); loc.Query().Get("error") != "login_required" {
		t.Fatalf("hint for another user: %s", loc)
	}
	forged := oauth2.SetAuthURLParam("id_token_hint", idt[:len(idt)-4]+"AAAA")
	if loc := authURL(b2, forged); loc.Query().Get("error") != "invalid_request" {
		t.Fatalf("forged hint: %s", loc)
	}
	// prompt=login forces the login page even with a session.
	resp, _ := b.Get(r.cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "login")))
	if loc, _ := resp.Location(); loc == nil || loc.Path != "/login" {
		t.Fatalf("prompt=login: %v", loc)
	}
}

// A confidential client registered with an API audience signs a user in
// with scope=openid profile and no resource, then fetches userinfo as an
// OpenID client library does (go-oidc's UserInfo): 200 (issue 16). Its
// access token names the issuer beside the API, so the API's gateway
// still accepts it. With resource=<api> the token is the API's alone:
// userinfo refuses it, and says that the audience is why.
func TestUserinfoForAPIClientSignIn(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	alice := e.user("alice", "alice@example.com")
	api := "https://api.example"
	r := e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb}, Audience: []string{api},
		Scopes: []string{"openid", "profile"}}, "openid", "profile")
	prov, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := codeFlow(t, e, testsupport.NewBrowser(t), r)
	info, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != alice.ID {
		t.Fatalf("userinfo of a sign-in without resource: %v %+v", err, info)
	}
	if _, c := testsupport.DecodeJWT(t, tok.AccessToken); !slices.Contains(toStrings(c["aud"]), api) ||
		!slices.Contains(toStrings(c["aud"]), e.issuer) {
		t.Fatalf("aud %v, want the API and the issuer", c["aud"])
	}
	tok, _ = codeFlow(t, e, testsupport.NewBrowser(t), r, oauth2.SetAuthURLParam("resource", api))
	if _, c := testsupport.DecodeJWT(t, tok.AccessToken); !slices.Equal(toStrings(c["aud"]), []string{api}) {
		t.Fatalf("aud with resource %v", c["aud"])
	}
	req, _ := http.NewRequest("GET", e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	status, chal, body := call(t, req)
	want := "the access token is not meant for userinfo: its audience does not include the issuer"
	if status != 401 || !strings.Contains(chal, `error="invalid_token"`) || !strings.Contains(chal, want) || !strings.Contains(body, want) {
		t.Fatalf("API-only token at userinfo: %d %q %s", status, chal, body)
	}
}

// toStrings reads a JSON string or array of strings.
func toStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, s := range x {
			str, _ := s.(string)
			out = append(out, str)
		}
		return out
	}
	return nil
}

// With the default signing algorithms (OIDC Discovery §3: RS256 MUST be
// supported for ID tokens), discovery lists RS256 beside the ES256
// default, a client registered with id_token_signed_response_alg RS256
// (`client create --id-token-alg RS256`) gets RS256 ID tokens that go-oidc
// verifies through the JWKS, and other clients keep ES256.
func TestRS256IDTokensByDefault(t *testing.T) {
	e := start(t, func(c *server.Config) { c.KeyAlgorithms = nil })
	ctx := context.Background()
	e.user("alice", "alice@example.com")
	prov, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Algs []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := prov.Claims(&meta); err != nil || !slices.Equal(meta.Algs, []string{"ES256", "RS256"}) {
		t.Fatalf("id_token_signing_alg_values_supported %v %v", meta.Algs, err)
	}
	rs := e.rp(oauth.ClientSpec{Name: "Legacy RP", RedirectURIs: []string{cb}, Scopes: []string{"openid"},
		IDTokenSignedResponseAlg: "RS256"}, "openid")
	b := testsupport.NewBrowser(t)
	_, raw := codeFlow(t, e, b, rs)
	if hdr, _ := testsupport.DecodeJWT(t, raw); hdr["alg"] != "RS256" {
		t.Fatalf("ID token header %v", hdr)
	}
	cfg := &oidc.Config{ClientID: rs.client.ID, SupportedSigningAlgs: []string{"RS256"}, Now: e.clock.Now}
	if _, err := prov.Verifier(cfg).Verify(ctx, raw); err != nil {
		t.Fatalf("go-oidc with RS256 only: %v", err)
	}
	es := e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb}, Scopes: []string{"openid"}}, "openid")
	_, raw = codeFlow(t, e, b, es)
	if hdr, _ := testsupport.DecodeJWT(t, raw); hdr["alg"] != "ES256" {
		t.Fatalf("default ID token header %v", hdr)
	}
}
