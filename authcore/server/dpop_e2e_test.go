package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r reply) str(k string) string { s, _ := r.body[k].(string); return s }

func send(t *testing.T, method, u string, body io.Reader, hdr map[string]string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, u, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

// tokenDPoP posts form to /token with a fresh proof of d.
func tokenDPoP(t *testing.T, issuer string, d *testsupport.DPoPKey, form url.Values) reply {
	return send(t, "POST", issuer+"/token", strings.NewReader(form.Encode()), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "DPoP": d.Proof("POST", issuer+"/token", "")})
}

// The code flow end to end with DPoP (RFC 9449) on the real server: a
// public client registered at /register (RFC 7591) with
// dpop_bound_access_tokens, dpop_jkt at /authorize, a DPoP-bound access
// token used at the embedded gateway's demo API and at /userinfo
// (docs/security.md GW-09, UI-01 DPoP cases), and a DPoP-bound refresh token.
func TestDPoPCodeFlowEndToEnd(t *testing.T) {
	srv, issuer := servertest.Start(t, func(c *server.Config) {
		c.Registration = oauth.RegistrationConfig{Enabled: true, Open: true}
	})
	ctx := context.Background()
	if _, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: "alice", Email: "alice@example.com", Password: "wonderland-42"}); err != nil {
		t.Fatal(err)
	}
	redirect := "http://127.0.0.1:9/callback"
	meta, _ := json.Marshal(map[string]any{"client_name": "CLI", "redirect_uris": []string{redirect},
		"token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code", "refresh_token"},
		"scope": "openid profile offline_access", "dpop_bound_access_tokens": true})
	reg := send(t, "POST", issuer+"/register", bytes.NewReader(meta), map[string]string{"Content-Type": "application/json"})
	if reg.status != 201 || reg.body["dpop_bound_access_tokens"] != true {
		t.Fatalf("register: %d %s", reg.status, reg.raw)
	}
	clientID := reg.str("client_id")
	key, other := testsupport.NewDPoPKey(t), testsupport.NewDPoPKey(t)
	verifier := oauth2.GenerateVerifier()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"scope": {"openid profile offline_access"}, "state": {"st"}, "dpop_jkt": {key.JKT},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	back := testsupport.NewBrowser(t).SignIn(issuer, issuer+"/authorize?"+q.Encode(), "alice", "wonderland-42").Redirect
	code := back.Query().Get("code")
	redeem := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {redirect}, "client_id": {clientID}}
	if r := send(t, "POST", issuer+"/token", strings.NewReader(redeem.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.status != 400 || r.str("error") != "invalid_request" {
		t.Fatalf("dpop_bound_access_tokens client without proof: %d %s", r.status, r.raw)
	}
	tok := tokenDPoP(t, issuer, key, redeem)
	if tok.status != 200 || tok.str("token_type") != "DPoP" || tok.str("refresh_token") == "" {
		t.Fatalf("redeem: %d %s", tok.status, tok.raw)
	}
	at := tok.str("access_token")

	// The embedded gateway (GW-09): DPoP scheme with a proof for this
	// request; Bearer, a replayed proof or another key's proof are 401.
	api := issuer + "/demo/api/profile"
	p := key.Proof("GET", api, at)
	if r := send(t, "GET", api, nil, map[string]string{"Authorization": "DPoP " + at, "DPoP": p}); r.status != 200 {
		t.Fatalf("demo API with DPoP: %d %s", r.status, r.raw)
	}
	for name, h := range map[string]map[string]string{
		"as Bearer":      {"Authorization": "Bearer " + at},
		"replayed proof": {"Authorization": "DPoP " + at, "DPoP": p},
		"other key":      {"Authorization": "DPoP " + at, "DPoP": other.Proof("GET", api, at)},
		"no ath":         {"Authorization": "DPoP " + at, "DPoP": key.Proof("GET", api, "")},
	} {
		if r := send(t, "GET", api, nil, h); r.status != 401 {
			t.Errorf("demo API %s: %d %s", name, r.status, r.raw)
		}
	}

	// /userinfo honours the binding (RFC 9449 §7).
	ui := issuer + "/userinfo"
	if r := send(t, "GET", ui, nil, map[string]string{"Authorization": "DPoP " + at, "DPoP": key.Proof("GET", ui, at)}); r.status != 200 || r.str("sub") == "" {
		t.Fatalf("userinfo with DPoP: %d %s", r.status, r.raw)
	}
	cases := []struct {
		name   string
		hdr    map[string]string
		code   string
		scheme string
	}{
		{"as Bearer", map[string]string{"Authorization": "Bearer " + at}, "invalid_token", "DPoP"},
		{"no proof", map[string]string{"Authorization": "DPoP " + at}, "invalid_dpop_proof", "DPoP"},
		{"proof without ath", map[string]string{"Authorization": "DPoP " + at, "DPoP": key.Proof("GET", ui, "")}, "invalid_dpop_proof", "DPoP"},
		{"proof for another URL", map[string]string{"Authorization": "DPoP " + at, "DPoP": key.Proof("GET", api, at)}, "invalid_dpop_proof", "DPoP"},
		{"other key", map[string]string{"Authorization": "DPoP " + at, "DPoP": other.Proof("GET", ui, at)}, "invalid_token", "DPoP"},
	}
	for _, tc := range cases {
		r := send(t, "GET", ui, nil, tc.hdr)
		if r.status != 401 || r.str("error") != tc.code || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), tc.scheme+" ") {
			t.Errorf("userinfo %s: %d %q %s", tc.name, r.status, r.header.Get("WWW-Authenticate"), r.raw)
		}
	}

	// The public client's refresh token is bound to the key (RFC 9449 §5).
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}, "client_id": {clientID}}
	if r := tokenDPoP(t, issuer, other, refresh); r.status != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("refresh with another key: %d %s", r.status, r.raw)
	}
	r := tokenDPoP(t, issuer, key, refresh)
	if r.status != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("refresh with the key: %d %s", r.status, r.raw)
	}
	at2 := r.str("access_token")
	if r := send(t, "GET", api, nil, map[string]string{"Authorization": "DPoP " + at2, "DPoP": key.Proof("GET", api, at2)}); r.status != 200 {
		t.Fatalf("demo API after refresh: %d %s", r.status, r.raw)
	}
}
