package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// Request objects (RFC 9101): a valid one at /par and by value at
// /authorize; alg none, HS256, wrong aud, expired, too long-lived and
// unsigned ones refused with invalid_request_object on the error page.
func TestJAR(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	setupUser(t, srv.Login)
	k := newJWTKey(t)
	redirect := "http://127.0.0.1:9/callback"
	c, _, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Signed", AuthMethod: authcore.AuthPrivateKeyJWT,
		JWKS: k.jwks, RedirectURIs: []string{redirect}, Scopes: []string{"orders:read"}})
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	claims := func(mod func(map[string]any)) map[string]any {
		now := time.Now().Unix()
		m := map[string]any{"iss": c.ID, "aud": issuer, "exp": now + 60, "iat": now, "nbf": now,
			"response_type": "code", "client_id": c.ID, "redirect_uri": redirect, "scope": "orders:read",
			"state": "st-jar", "code_challenge": oauth2.S256ChallengeFromVerifier(verifier), "code_challenge_method": "S256"}
		if mod != nil {
			mod(m)
		}
		return m
	}
	// By value at /authorize: outside parameters are ignored.
	b := testsupport.NewBrowser(t)
	authURL := issuer + "/authorize?" + url.Values{"client_id": {c.ID}, "state": {"outside"},
		"request": {k.sign(t, claims(nil))}}.Encode()
	back := b.SignIn(issuer, authURL, "alice", "wonderland-42").Redirect
	if back.Query().Get("code") == "" || back.Query().Get("state") != "st-jar" {
		t.Fatalf("request object at /authorize: %s", back)
	}
	// At /par, with private_key_jwt.
	st, m := postForm(t, issuer+"/par", url.Values{"client_id": {c.ID}, "request": {k.sign(t, claims(nil))},
		"client_assertion_type": {oauth.AssertionTypeJWT}, "client_assertion": {k.assertion(t, c.ID, issuer)}}, "", "")
	if st != 201 {
		t.Fatalf("request object at /par: %d %v", st, m)
	}
	hs := base64.RawURLEncoding.EncodeToString([]byte("not-a-real-mac-but-never-checked"))
	for name, obj := range map[string]string{
		"alg none":  unsigned(map[string]any{"alg": "none"}, claims(nil), ""),
		"HS256":     unsigned(map[string]any{"alg": "HS256", "kid": "k1"}, claims(nil), hs),
		"unsigned":  unsigned(map[string]any{"alg": "ES256", "kid": "k1"}, claims(nil), hs),
		"wrong aud": k.sign(t, claims(func(m map[string]any) { m["aud"] = "https://other.example" })),
		"expired":   k.sign(t, claims(func(m map[string]any) { m["exp"] = time.Now().Unix() - 5 })),
		"no exp":    k.sign(t, claims(func(m map[string]any) { delete(m, "exp") })),
		"2 hours":   k.sign(t, claims(func(m map[string]any) { m["exp"] = time.Now().Unix() + 7200 })),
		"wrong iss": k.sign(t, claims(func(m map[string]any) { m["iss"] = "someone" })),
		"nested":    k.sign(t, claims(func(m map[string]any) { m["request_uri"] = "https://x.example/r" })),
	} {
		resp, body := b.Get(issuer + "/authorize?" + url.Values{"client_id": {c.ID}, "request": {obj}}.Encode())
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || pageError(body) != "invalid_request_object" {
			t.Errorf("%s: %d %q", name, resp.StatusCode, pageError(body))
		}
	}
}

// accessAud decodes the aud of an access token.
func accessAud(t *testing.T, at string) []string {
	parts := strings.Split(at, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Aud any `json:"aud"`
	}
	_ = json.Unmarshal(raw, &c)
	switch v := c.Aud.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// Resource indicators (RFC 8707; docs/security.md TOK-13): two resources
// granted, each token names exactly one; a refresh for the other; an
// unregistered or fragment resource is invalid_target.
func TestResourceIndicators(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	setupUser(t, srv.Login)
	orders, billing := "https://api.example/orders", "https://api.example/billing"
	redirect := "http://127.0.0.1:9/callback"
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Multi", RedirectURIs: []string{redirect},
		Scopes: []string{"orders:read", "offline_access"}, Audience: []string{orders, billing}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := oauth2.Config{ClientID: c.ID, ClientSecret: secret, RedirectURL: redirect, Scopes: []string{"orders:read", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/authorize", TokenURL: issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	b := testsupport.NewBrowser(t)
	for _, bad := range []string{"https://evil.example/api", orders + "#frag", "relative/path"} {
		resp, _ := b.Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", bad)))
		loc, _ := resp.Location()
		if resp.StatusCode != 303 || loc.Query().Get("error") != "invalid_target" {
			t.Fatalf("resource %q: %d %v", bad, resp.StatusCode, loc)
		}
	}
	u := cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)) + "&resource=" + url.QueryEscape(orders) + "&resource=" + url.QueryEscape(billing)
	back := b.SignIn(issuer, u, "alice", "wonderland-42").Redirect
	code := back.Query().Get("code")
	st, m := postForm(t, issuer+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {verifier}, "redirect_uri": {redirect}, "resource": {orders}}, c.ID, secret)
	if st != 200 {
		t.Fatalf("code with resource: %d %v", st, m)
	}
	if aud := accessAud(t, m["access_token"].(string)); len(aud) != 1 || aud[0] != orders {
		t.Fatalf("aud %v, want [%s]", aud, orders)
	}
	rt := m["refresh_token"].(string)
	refresh := func(resource string) (int, map[string]any) {
		return postForm(t, issuer+"/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
			"resource": {resource}}, c.ID, secret)
	}
	if st, m = refresh("https://evil.example/api"); st != 400 || m["error"] != "invalid_target" {
		t.Fatalf("refresh for a resource not granted: %d %v", st, m)
	}
	st, m = refresh(billing)
	if st != 200 {
		t.Fatalf("refresh for the other resource: %d %v", st, m)
	}
	if aud := accessAud(t, m["access_token"].(string)); len(aud) != 1 || aud[0] != billing {
		t.Fatalf("refreshed aud %v", aud)
	}
	rt = m["refresh_token"].(string)
	if st, m = refresh(""); st != 400 || m["error"] != "invalid_target" {
		t.Fatalf("refresh without naming one of two resources: %d %v", st, m)
	}
}

// FAPI 2.0 mode refusals (docs/security.md PAR-05, FAPI 2.0 §5.3.2): no PAR,
// assertion aud as an array (with the issuer and another, or only the
// issuer), aud the PAR or token URL, a secret-based or public FAPI
// registration, and a token request without a sender constraint.
func TestFAPIMode(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	k := newJWTKey(t)
	redirect := "https://app.example/cb"
	c, _, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Bank", AuthMethod: authcore.AuthPrivateKeyJWT,
		JWKS: k.jwks, RedirectURIs: []string{redirect}, FAPI: true,
		GrantTypes: []string{authcore.GrantAuthorizationCode, authcore.GrantClientCredentials}})
	if err != nil {
		t.Fatal(err)
	}
	if !c.FAPI || !c.RequirePushedAuthorizationRequests {
		t.Fatalf("FAPI client %+v", c)
	}
	for _, spec := range []oauth.ClientSpec{
		{Name: "x", RedirectURIs: []string{redirect}, FAPI: true},
		{Name: "y", Type: authcore.Public, RedirectURIs: []string{redirect}, FAPI: true},
	} {
		if _, _, err := srv.OAuth.CreateClient(ctx, spec); err == nil {
			t.Errorf("FAPI registration %s accepted", spec.Name)
		}
	}
	v, _ := pkce(url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect}, "state": {"s"}})
	resp, _ := testsupport.NewBrowser(t).Get(issuer + "/authorize?" + v.Encode())
	loc, _ := resp.Location()
	if resp.StatusCode != 303 || loc.Query().Get("error") != "invalid_request" {
		t.Fatalf("PAR-05a: %d %v", resp.StatusCode, loc)
	}
	par := func(aud any) (int, map[string]any) {
		f := url.Values{"client_assertion_type": {oauth.AssertionTypeJWT}, "client_assertion": {k.assertion(t, c.ID, aud)}}
		for k, x := range v {
			f[k] = x
		}
		return postForm(t, issuer+"/par", f, "", "")
	}
	for name, aud := range map[string]any{"array with another": []string{issuer, "https://x"},
		"array of the issuer": []string{issuer}, "PAR URL": issuer + "/par", "token URL": issuer + "/token"} {
		if st, m := par(aud); st != 401 || m["error"] != "invalid_client" {
			t.Errorf("PAR-05 %s: %d %v", name, st, m)
		}
	}
	if st, m := par(issuer); st != 201 {
		t.Fatalf("FAPI PAR with a good assertion: %d %v", st, m)
	}
	st, m := postForm(t, issuer+"/token", url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {oauth.AssertionTypeJWT}, "client_assertion": {k.assertion(t, c.ID, issuer)}}, "", "")
	if st != 400 || m["error"] != "invalid_request" {
		t.Fatalf("FAPI token request without DPoP or mTLS: %d %v", st, m)
	}
}
