package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/server/servertest"
)

// Token exchange and the JWT bearer grant with real ID tokens of a second
// Latchkey, then the embedded gateway's demo API with the result; replay
// is refused and audited.
func TestFederatedExchangeEndToEnd(t *testing.T) {
	e := newFedEnv(t)
	id := e.idToken(t, "n-1")
	status, body := e.exchange(t, id, "nonce", "n-1")
	if status != 200 || body["issued_token_type"] != "urn:ietf:params:oauth:token-type:access_token" || body["scope"] != "orders:read" {
		t.Fatalf("exchange: %d %v", status, body)
	}
	at := body["access_token"].(string)
	if got := callDemo(t, e.lkIss, at); got != http.StatusOK {
		t.Fatalf("demo API with the exchanged token: %d", got)
	}
	// The subject is a provisioned local user linked to (iss, sub).
	var claims jwt.MapClaims
	_, _, _ = jwt.NewParser().ParseUnverified(at, &claims)
	var upClaims jwt.MapClaims
	_, _, _ = jwt.NewParser().ParseUnverified(id, &upClaims)
	link, err := e.lk.Store.GetFederatedLink(context.Background(), e.upIss, upClaims["sub"].(string))
	if err != nil || claims["sub"] != link.UserID {
		t.Fatalf("sub %v, link %+v %v", claims["sub"], link, err)
	}
	if ev, ok := e.ev.Last(audit.TokenExchanged); !ok || ev.Details["idp"] != "upstream" || ev.Subject != link.UserID {
		t.Fatalf("audit of the exchange: %+v", ev)
	}
	// Replay of the same ID token.
	if status, body := e.exchange(t, id); status != 400 || body["error"] != "invalid_request" || body["error_description"] != "subject_token refused: replayed" {
		t.Fatalf("replay: %d %v", status, body)
	}
	if ev, _ := e.ev.Last(audit.FederatedTokenRefused); ev.Reason != "replayed" || ev.Outcome != audit.Failure {
		t.Fatalf("audit of the replay: %+v", ev)
	}
	// JWT bearer with a fresh ID token maps to the same user.
	status, body = e.token(t, map[string][]string{"grant_type": {authcore.GrantJWTBearer}, "assertion": {e.idToken(t, "n-2")},
		"resource": {e.lkIss}, "scope": {"orders:read"}})
	if status != 200 {
		t.Fatalf("jwt-bearer: %d %v", status, body)
	}
	var c2 jwt.MapClaims
	_, _, _ = jwt.NewParser().ParseUnverified(body["access_token"].(string), &c2)
	if c2["sub"] != link.UserID || callDemo(t, e.lkIss, body["access_token"].(string)) != 200 {
		t.Fatalf("jwt-bearer token: sub %v", c2["sub"])
	}
	// A wrong nonce, when the client says which it expects.
	if status, body := e.exchange(t, e.idToken(t, "n-3"), "nonce", "other"); status != 400 || body["error_description"] != "subject_token refused: nonce_mismatch" {
		t.Fatalf("nonce: %d %v", status, body)
	}
	// The grant is advertised.
	var md map[string]any
	getJSON(t, e.lkIss+"/.well-known/oauth-authorization-server", &md)
	b, _ := json.Marshal(md["grant_types_supported"])
	if !json.Valid(b) || !strings.Contains(string(b), authcore.GrantJWTBearer) {
		t.Fatalf("grant_types_supported: %s", b)
	}
}

// forge signs claims as the provider would (its real active key), so each
// negative case changes exactly one thing.
func (e *fedEnv) forge(t *testing.T, edit func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": e.upIss, "sub": "forged-sub", "aud": e.app.ClientID, "iat": float64(now.Unix()),
		"exp": float64(now.Add(5 * time.Minute).Unix()), "jti": time.Now().Format(time.RFC3339Nano)}
	if edit != nil {
		edit(c)
	}
	tok, err := e.up.Keys.Sign("", "JWT", c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Negative cases with exact outcomes: each is refused with its reason in
// error_description and in the audit log.
func TestFederatedExchangeRefusals(t *testing.T) {
	e := newFedEnv(t)
	ctx := context.Background()
	other, otherIss := servertest.Start(t)
	untrusted, err := other.Keys.Sign("", "JWT", jwt.MapClaims{"iss": otherIss, "sub": "x", "aud": e.app.ClientID,
		"iat": float64(time.Now().Unix()), "exp": float64(time.Now().Add(time.Minute).Unix())})
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	unknownKey := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": e.upIss, "sub": "x", "aud": e.app.ClientID,
		"iat": float64(time.Now().Unix()), "exp": float64(time.Now().Add(time.Minute).Unix())})
	unknownKey.Header["kid"] = "not-published"
	unknownTok, _ := unknownKey.SignedString(stranger)
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": e.upIss, "sub": "x", "aud": e.app.ClientID,
		"iat": float64(time.Now().Unix()), "exp": float64(time.Now().Add(time.Minute).Unix())})
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	noneTok += "AA" // a non-empty signature segment, so only alg decides
	jwks, _ := e.up.Keys.JWKS()
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": e.upIss, "sub": "x", "aud": e.app.ClientID,
		"iat": float64(time.Now().Unix()), "exp": float64(time.Now().Add(time.Minute).Unix())})
	hsTok, _ := hs.SignedString(jwks) // the public JWKS as the HMAC secret

	cases := []struct {
		name, token, reason, code string
		status                    int
	}{
		{"untrusted issuer", untrusted, "untrusted_issuer", "invalid_request", 400},
		{"unknown key", unknownTok, "unknown_key", "invalid_request", 400},
		{"wrong aud", e.forge(t, func(c jwt.MapClaims) { c["aud"] = "someone-else" }), "wrong_audience", "invalid_request", 400},
		{"several aud without azp", e.forge(t, func(c jwt.MapClaims) { c["aud"] = []string{e.app.ClientID, "x"} }), "wrong_audience", "invalid_request", 400},
		{"expired", e.forge(t, func(c jwt.MapClaims) { c["exp"] = float64(time.Now().Add(-time.Minute).Unix()) }), "expired", "invalid_request", 400},
		{"iat in the future", e.forge(t, func(c jwt.MapClaims) { c["iat"] = float64(time.Now().Add(10 * time.Minute).Unix()) }), "iat_in_future", "invalid_request", 400},
		{"alg none", noneTok, "alg_not_allowed", "invalid_request", 400},
		{"HS256 with the public key", hsTok, "alg_not_allowed", "invalid_request", 400},
	}
	for _, tc := range cases {
		status, body := e.exchange(t, tc.token)
		if status != tc.status || body["error"] != tc.code || body["error_description"] != "subject_token refused: "+tc.reason {
			t.Errorf("%s: %d %v", tc.name, status, body)
		}
		if ev, _ := e.ev.Last(audit.FederatedTokenRefused); ev.Reason != tc.reason {
			t.Errorf("%s: audit reason %q", tc.name, ev.Reason)
		}
	}
	// jwt-bearer answers invalid_grant (RFC 7523 §3.1).
	if status, body := e.token(t, map[string][]string{"grant_type": {authcore.GrantJWTBearer}, "assertion": {untrusted}}); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("jwt-bearer untrusted: %d %v", status, body)
	}

	// A resource the provider's users may not reach.
	if _, err := e.lk.Federation.UpdateProvider(ctx, "upstream", func(p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		p.Resources = []string{e.lkIss}
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	if status, body := e.exchange(t, e.forge(t, nil), "resource", "https://other.example"); status != 400 || body["error"] != "invalid_target" {
		t.Errorf("resource not allowed: %d %v", status, body)
	}
	if ev, _ := e.ev.Last(audit.FederatedTokenRefused); ev.Reason != "resource_not_allowed" {
		t.Errorf("resource audit: %+v", ev)
	}
	// A disabled provider.
	if _, err := e.lk.Federation.UpdateProvider(ctx, "upstream", func(p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		p.Enabled = false
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	if status, body := e.exchange(t, e.forge(t, nil)); status != 400 || body["error_description"] != "subject_token refused: provider_disabled" {
		t.Errorf("disabled: %d %v", status, body)
	}

	// A provider whose discovery and JWKS cannot be reached fails closed.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	deadIss := "http://" + ln.Addr().String()
	ln.Close()
	if _, err := e.lk.Federation.AddProvider(ctx, authcore.IdentityProvider{ID: "dead", Issuer: deadIss,
		Audiences: []string{"a"}, Enabled: true, Provisioning: authcore.ProvisionCreate}); err != nil {
		t.Fatal(err)
	}
	dead, _ := other.Keys.Sign("", "JWT", jwt.MapClaims{"iss": deadIss, "sub": "x", "aud": "a",
		"iat": float64(time.Now().Unix()), "exp": float64(time.Now().Add(time.Minute).Unix())})
	if status, body := e.exchange(t, dead); status != 503 || body["error"] != "temporarily_unavailable" ||
		body["error_description"] != "the identity provider cannot be verified now (jwks_unavailable)" {
		t.Errorf("unreachable JWKS: %d %v", status, body)
	}
}
