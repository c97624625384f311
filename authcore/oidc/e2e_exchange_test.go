package oidc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// Token exchange (RFC 8693) of an ID token and an access token, with
// exact refusals: a token from another issuer, an expired one, an
// audience the client may not reach, a public client.
func TestTokenExchange(t *testing.T) {
	e := start(t)
	e.user("alice", "alice@example.com")
	api := "https://api.example"
	r := e.rp(oauth.ClientSpec{Name: "BFF", RedirectURIs: []string{cb}, Audience: []string{api},
		GrantTypes: []string{authcore.GrantAuthorizationCode, authcore.GrantTokenExchange},
		Scopes:     []string{"openid", "orders:read"}}, "openid", "orders:read")
	tok, idt := codeFlow(t, e, testsupport.NewBrowser(t), r)
	exchange := func(v url.Values) (int, map[string]any) { return e.exchange(t, r, v) }
	idType, atType := "urn:ietf:params:oauth:token-type:id_token", "urn:ietf:params:oauth:token-type:access_token"
	status, m := exchange(url.Values{"subject_token": {idt}, "subject_token_type": {idType}, "resource": {api}, "scope": {"orders:read"}})
	if status != 200 || m["issued_token_type"] != atType || m["token_type"] != "Bearer" || m["scope"] != "orders:read" {
		t.Fatalf("exchange of an ID token: %d %v", status, m)
	}
	_, claims := testsupport.DecodeJWT(t, m["access_token"].(string))
	if aud, _ := claims["aud"].([]any); len(aud) != 1 || aud[0] != api || claims["sub"] == nil {
		t.Fatalf("exchanged token claims %v", claims)
	}
	// An access token, with an actor: act names the actor.
	status, m = exchange(url.Values{"subject_token": {tok.AccessToken}, "subject_token_type": {atType},
		"actor_token": {idt}, "actor_token_type": {idType}, "audience": {api}})
	if _, c := testsupport.DecodeJWT(t, m["access_token"].(string)); status != 200 || c["act"] == nil {
		t.Fatalf("exchange with actor: %d %v", status, m)
	}
	for _, c := range []struct {
		name string
		v    url.Values
		code string
	}{
		{"audience not allowed", url.Values{"subject_token": {idt}, "subject_token_type": {idType}, "audience": {"https://other.example"}}, "invalid_target"},
		{"scope widened", url.Values{"subject_token": {tok.AccessToken}, "subject_token_type": {atType}, "scope": {"openid profile"}}, "invalid_scope"},
		{"other issuer", url.Values{"subject_token": {foreignIDToken(t, e, r.client.ID)}, "subject_token_type": {idType}}, "invalid_request"},
		{"wrong type", url.Values{"subject_token": {idt}, "subject_token_type": {atType}}, "invalid_request"},
	} {
		if status, m := exchange(c.v); status != 400 || m["error"] != c.code {
			t.Errorf("%s: %d %v", c.name, status, m)
		}
	}
	e.clock.Advance(2 * time.Hour)
	if status, m := exchange(url.Values{"subject_token": {idt}, "subject_token_type": {idType}}); status != 400 || m["error"] != "invalid_request" {
		t.Errorf("expired ID token: %d %v", status, m)
	}
	if status, m := exchange(url.Values{"subject_token": {tok.AccessToken}, "subject_token_type": {atType}}); status != 400 || m["error"] != "invalid_request" {
		t.Errorf("expired access token: %d %v", status, m)
	}
}

// exchange posts a token-exchange request (RFC 8693) as r and returns
// the status and the decoded answer.
func (e *env) exchange(t *testing.T, r rp, v url.Values) (int, map[string]any) {
	t.Helper()
	v.Set("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
	req, _ := http.NewRequest("POST", e.issuer+"/token", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(r.cfg.ClientID, r.cfg.ClientSecret)
	status, _, body := call(t, req)
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	return status, m
}

// foreignIDToken is an ID token for clientID signed by another Latchkey
// (another issuer, another key), claiming this issuer's iss.
func foreignIDToken(t *testing.T, e *env, clientID string) string {
	t.Helper()
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	other, err := server.New(context.Background(), server.Config{Issuer: "http://127.0.0.1:1", Store: st,
		Logger: zerolog.Nop(), Now: e.clock.Now, KeyAlgorithms: []string{"ES256"}})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	tok, err := other.Keys.Sign("", "JWT", jwt.MapClaims{"iss": e.issuer, "sub": "x", "aud": clientID,
		"iat": float64(now.Unix()), "exp": float64(now.Add(time.Hour).Unix())})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
