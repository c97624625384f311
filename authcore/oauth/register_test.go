package oauth

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// openRegistration is an env with open dynamic registration.
func openRegistration(c *Config) {
	c.Registration = RegistrationConfig{Enabled: true, Open: true, Rate: 1e9, Burst: 1e9}
}

// register sends metadata (a JSON value) to /register with an optional
// Bearer token.
func (e *env) register(method, path string, metadata any, bearer string) tokenReply {
	e.t.Helper()
	var body string
	if s, ok := metadata.(string); ok {
		body = s
	} else if metadata != nil {
		b, _ := json.Marshal(metadata)
		body = string(b)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return e.do(req)
}

func regMeta(redirects ...string) map[string]any {
	return map[string]any{"client_name": "App", "redirect_uris": redirects,
		"grant_types": []string{"authorization_code", "refresh_token"}, "scope": "openid profile"}
}

// docs/security.md REG-01: every unsafe redirect URI is 400
// invalid_redirect_uri; an oversize body is 413.
func TestRegisterRedirectURIs(t *testing.T) {
	e := newEnv(t, openRegistration)
	for _, u := range []string{"https://app.example/cb#frag", "javascript:alert(1)", "data:text/html,x",
		"file:///etc/passwd", "http://app.example/cb", "https://*.app.example/cb", "myapp:/cb", "/cb"} {
		if r := e.register("POST", "/register", regMeta(u), ""); r.status != 400 || r.str("error") != CodeInvalidRedirectURI {
			t.Errorf("%s: %d %s", u, r.status, r.raw)
		}
	}
	many := make([]string, 10000)
	for i := range many {
		many[i] = fmt.Sprintf("https://app.example/cb/%d", i)
	}
	if r := e.register("POST", "/register", regMeta(many...), ""); r.status != 413 {
		t.Errorf("10 000 redirect URIs: %d %s", r.status, r.raw)
	}
	for _, u := range []string{"https://app.example/cb", "http://127.0.0.1/cb", "com.example.app:/cb"} {
		if r := e.register("POST", "/register", regMeta(u), ""); r.status != 201 {
			t.Errorf("%s: %d %s", u, r.status, r.raw)
		}
	}
}

// docs/security.md REG-02: metadata URLs pointing inward are refused and no
// connection is ever made to them: a listener on 127.0.0.1 sees no hit.
func TestRegisterNoInwardFetch(t *testing.T) {
	e := newEnv(t, openRegistration)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			hits.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	inward := "http://" + ln.Addr().String() + "/x"
	for _, target := range []string{inward, "https://" + ln.Addr().String() + "/x", "http://169.254.169.254/",
		"http://[::ffff:127.0.0.1]/", "https://[::ffff:127.0.0.1]/", "https://10.0.0.1/", "file:///etc/passwd"} {
		for _, field := range []string{"jwks_uri", "sector_identifier_uri", "logo_uri", "policy_uri",
			"tos_uri", "client_uri", "backchannel_logout_uri", "request_uris"} {
			m := regMeta("https://app.example/cb")
			m[field] = target
			if field == "request_uris" {
				m[field] = []string{target}
			}
			if r := e.register("POST", "/register", m, ""); r.status != 400 || r.str("error") != CodeInvalidClientMetadata {
				t.Errorf("%s=%s: %d %s", field, target, r.status, r.raw)
			}
		}
	}
	time.Sleep(50 * time.Millisecond)
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d connections to the internal listener", n)
	}
	// Display URLs elsewhere are stored as data, never fetched.
	m := regMeta("https://app.example/cb")
	m["logo_uri"], m["tos_uri"] = "https://app.example/logo.png", "https://app.example/tos"
	r := e.register("POST", "/register", m, "")
	if r.status != 201 || r.str("logo_uri") != "https://app.example/logo.png" || r.str("tos_uri") != "https://app.example/tos" {
		t.Fatalf("display URLs: %d %s", r.status, r.raw)
	}
}

// docs/security.md REG-03 (a)-(c): proposed ids and secrets are ignored;
// public clients cannot have client_credentials; none algorithms and
// HS256 are refused.
func TestRegisterMetadataRules(t *testing.T) {
	e := newEnv(t, openRegistration)
	m := regMeta("https://app.example/cb")
	m["client_id"], m["client_secret"] = "alice", "chosen-secret-000000000000000000000000000"
	r := e.register("POST", "/register", m, "")
	if r.status != 201 || r.str("client_id") == "alice" || r.str("client_secret") == "chosen-secret-000000000000000000000000000" ||
		len(r.str("client_secret")) < 43 || r.str("registration_access_token") == "" ||
		r.str("registration_client_uri") != e.ts.URL+"/register/"+r.str("client_id") {
		t.Fatalf("proposed id and secret: %d %s", r.status, r.raw)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	if _, err := e.store.GetClient(t.Context(), "alice"); err != authcore.ErrNotFound {
		t.Fatalf("client alice exists: %v", err)
	}
	bad := map[string]map[string]any{
		"public client_credentials": {"token_endpoint_auth_method": "none", "grant_types": []string{"client_credentials"}},
		"id_token alg none":         {"id_token_signed_response_alg": "none"},
		"JARM alg none":             {"authorization_signed_response_alg": "none"},
		"JARM alg HS256":            {"authorization_signed_response_alg": "HS256"},
		"JARM alg not in use":       {"authorization_signed_response_alg": "PS256"},
		"front-channel with query":  {"frontchannel_logout_uri": "https://app.example/fc?x=1"},
		"front-channel over http":   {"frontchannel_logout_uri": "http://app.example/fc"},
		"request object alg none":   {"request_object_signing_alg": "none"},
		"HS256 without secret":      {"token_endpoint_auth_signing_alg": "HS256"},
		"response_types token":      {"response_types": []string{"token"}},
		"implicit grant":            {"grant_types": []string{"implicit"}},
		"API scope":                 {"scope": "orders:read"},
		"software statement":        {"software_statement": "eyJ.eyJ.sig"},
	}
	for name, extra := range bad {
		m := regMeta("https://app.example/cb")
		for k, v := range extra {
			m[k] = v
		}
		r := e.register("POST", "/register", m, "")
		if r.status != 400 || (r.str("error") != CodeInvalidClientMetadata && r.str("error") != CodeInvalidSoftwareStatement) {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	jarm := regMeta("https://app.example/cb")
	jarm["authorization_signed_response_alg"] = "ES256"
	jarm["frontchannel_logout_uri"] = "https://app.example/fc"
	if r := e.register("POST", "/register", jarm, ""); r.status != 201 || r.str("authorization_signed_response_alg") != "ES256" ||
		r.str("frontchannel_logout_uri") != "https://app.example/fc" {
		t.Fatalf("JARM client (JARM §3): %d %s", r.status, r.raw)
	}
	pub := regMeta("http://127.0.0.1/cb")
	pub["token_endpoint_auth_method"] = "none"
	if r := e.register("POST", "/register", pub, ""); r.status != 201 || r.str("client_secret") != "" {
		t.Fatalf("public client: %d %s", r.status, r.raw)
	}
}

// A registration with only redirect_uris gets the RFC 7591 §2 defaults:
// grant_types [authorization_code], response_types [code],
// token_endpoint_auth_method client_secret_basic (so a secret), and the
// registrable scopes the registry holds, offline_access only with the
// refresh_token grant; the client then completes a code flow with them.
func TestRegisterRFC7591Defaults(t *testing.T) {
	e := newEnv(t, openRegistration)
	r := e.register("POST", "/register", map[string]any{"redirect_uris": []string{"https://app.example/cb"}}, "")
	if r.status != 201 {
		t.Fatalf("bare registration: %d %s", r.status, r.raw)
	}
	var got struct {
		GrantTypes    []string `json:"grant_types"`
		ResponseTypes []string `json:"response_types"`
		AuthMethod    string   `json:"token_endpoint_auth_method"`
		Scope         string   `json:"scope"`
		Secret        string   `json:"client_secret"`
		ClientID      string   `json:"client_id"`
	}
	_ = json.Unmarshal([]byte(r.raw), &got)
	if strings.Join(got.GrantTypes, " ") != "authorization_code" || strings.Join(got.ResponseTypes, " ") != "code" ||
		got.AuthMethod != authcore.AuthSecretBasic || got.Secret == "" || got.Scope != "openid profile email" {
		t.Fatalf("defaults: %s", r.raw)
	}
	c := testClient{Client: authcore.Client{ID: got.ClientID, Type: authcore.Confidential,
		AuthMethod: authcore.AuthSecretBasic, RedirectURIs: []string{"https://app.example/cb"}}, secret: got.Secret}
	verifier := "default-scope-verifier-0123456789-0123456789-abcdef"
	q := authParams(c, verifier)
	q.Del("scope")
	loc, _ := url.Parse(e.authorize(q.Encode()).Header.Get("Location"))
	if loc.Query().Get("code") == "" {
		t.Fatalf("authorize with the default scope: %s", loc)
	}
	tok := e.redeem(c, loc.Query().Get("code"), verifier)
	if tok.status != 200 || tok.str("refresh_token") != "" {
		t.Fatalf("redeem: %d %s", tok.status, tok.raw)
	}
	m := regMeta("https://app.example/cb")
	delete(m, "scope")
	if r := e.register("POST", "/register", m, ""); r.status != 201 || r.str("scope") != "openid profile email offline_access" {
		t.Fatalf("default scope with refresh_token: %d %s", r.status, r.raw)
	}
	e2 := newEnv(t, func(c *Config) {
		openRegistration(c)
		c.Registration.Scopes = []string{"orders:read", "no-such-scope"}
	})
	if r := e2.register("POST", "/register", map[string]any{"redirect_uris": []string{"https://app.example/cb"}}, ""); r.status != 201 || r.str("scope") != "orders:read" {
		t.Fatalf("configured registrable scopes: %d %s", r.status, r.raw)
	}
	if r := e2.register("POST", "/register", map[string]any{"redirect_uris": []string{"https://app.example/cb"},
		"scope": "openid"}, ""); r.status != 400 || r.str("error") != CodeInvalidClientMetadata {
		t.Fatalf("a scope outside the configured ones: %d %s", r.status, r.raw)
	}
}
