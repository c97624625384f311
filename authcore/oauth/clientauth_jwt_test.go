package oauth

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// TestClientAssertionMatrix is docs/security.md TOK-11 (and more): every bad
// assertion is 401 invalid_client without a Basic challenge; iat/nbf
// +8 s and a one-element aud array are accepted.
func TestClientAssertionMatrix(t *testing.T) {
	e := newEnv(t)
	c := e.jwtClient("ES256")
	other := e.jwtClient("ES256")
	now := e.clock.Now()
	var hits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer attacker.Close()
	evil := jwtClient{testClient: c.testClient, alg: "ES256", kid: "evil", priv: newKey(t, "ES256")}
	evilJWK := jose.JSONWebKey{Key: evil.priv.Public(), KeyID: "evil", Algorithm: "ES256"}
	spki, _ := x509.MarshalPKIXPublicKey(c.priv.Public())
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})

	with := func(kv ...any) string {
		cl := e.claims(c)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(cl, kv[i].(string))
			} else {
				cl[kv[i].(string)] = kv[i+1]
			}
		}
		return c.sign(t, cl, nil)
	}
	unsigned := func(m jwt.SigningMethod, key any) string {
		tok := jwt.NewWithClaims(m, e.claims(c))
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name      string
		assertion string
		status    int
		code      string
	}{
		{"valid", with(), 200, ""},
		{"alg none", unsigned(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType), 401, "invalid_client"},
		{"HS256 keyed with the public key PEM", unsigned(jwt.SigningMethodHS256, pubPEM), 401, "invalid_client"},
		{"HS256 keyed with the JWKS", unsigned(jwt.SigningMethodHS256, []byte(c.Client.JWKS)), 401, "invalid_client"},
		{"sub missing", with("sub", nil), 401, "invalid_client"},
		{"iss missing", with("iss", nil), 401, "invalid_client"},
		{"iss != sub", with("iss", other.ID), 401, "invalid_client"},
		{"sub is another client", with("sub", other.ID, "iss", other.ID), 401, "invalid_client"},
		{"exp -5 min", with("iat", now.Add(-6*time.Minute).Unix(), "exp", now.Add(-5*time.Minute).Unix()), 401, "invalid_client"},
		{"exp missing", with("exp", nil), 401, "invalid_client"},
		{"exp as a string", with("exp", "9999999999"), 401, "invalid_client"},
		{"lifetime 10 min", with("exp", now.Add(10*time.Minute).Unix()), 401, "invalid_client"},
		{"no iat, exp 10 min ahead", with("iat", nil, "exp", now.Add(10*time.Minute).Unix()), 401, "invalid_client"},
		{"no iat, exp 1 min ahead", with("iat", nil), 200, ""},
		{"aud other AS", with("aud", "https://other.example"), 401, "invalid_client"},
		{"aud token endpoint", with("aud", e.srv.Issuer()+"/token"), 401, "invalid_client"},
		{"aud issuer plus another", with("aud", []string{e.srv.Issuer(), "https://other.example"}), 401, "invalid_client"},
		{"aud another plus issuer", with("aud", []string{"https://other.example", e.srv.Issuer()}), 401, "invalid_client"},
		{"aud empty array", with("aud", []string{}), 401, "invalid_client"},
		{"aud missing", with("aud", nil), 401, "invalid_client"},
		{"aud one-element array", with("aud", []string{e.srv.Issuer()}), 200, ""},
		{"aud issuer with trailing slash", with("aud", e.srv.Issuer()+"/"), 401, "invalid_client"},
		{"iat +61 s", with("iat", now.Add(61*time.Second).Unix(), "exp", now.Add(2*time.Minute).Unix()), 401, "invalid_client"},
		{"nbf +61 s", with("nbf", now.Add(61*time.Second).Unix(), "exp", now.Add(2*time.Minute).Unix()), 401, "invalid_client"},
		{"iat +30 s", with("iat", now.Add(30*time.Second).Unix(), "exp", now.Add(2*time.Minute).Unix()), 401, "invalid_client"},
		{"iat +8 s", with("iat", now.Add(8*time.Second).Unix()), 200, ""},
		{"nbf +8 s", with("nbf", now.Add(8*time.Second).Unix()), 200, ""},
		{"jti missing", with("jti", nil), 401, "invalid_client"},
		{"kid unknown", c.sign(t, e.claims(c), map[string]any{"kid": "nope"}), 401, "invalid_client"},
		{"kid missing, single key", c.sign(t, e.claims(c), map[string]any{"kid": nil}), 200, ""},
		{"signed by another client's key", other.sign(t, e.claims(c), nil), 401, "invalid_client"},
		{"jku to attacker", evil.sign(t, e.claims(c), map[string]any{"jku": attacker.URL + "/jwks"}), 401, "invalid_client"},
		{"jku to attacker, client kid", evil.sign(t, e.claims(c), map[string]any{"kid": "k1", "jku": attacker.URL + "/jwks"}), 401, "invalid_client"},
		{"x5u to attacker", evil.sign(t, e.claims(c), map[string]any{"kid": "k1", "x5u": attacker.URL + "/cert"}), 401, "invalid_client"},
		{"embedded jwk", evil.sign(t, e.claims(c), map[string]any{"kid": "k1", "jwk": evilJWK}), 401, "invalid_client"},
		{"four segments", with() + ".x", 401, "invalid_client"},
		{"garbage", "not-a-jwt", 401, "invalid_client"},
		{"oversized", with("pad", strings.Repeat("a", 9<<10)), 401, "invalid_client"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post("/token", assertionForm(tc.assertion), nil)
			if r.status != tc.status || r.str("error") != tc.code {
				t.Fatalf("got %d %s, want %d %q", r.status, r.raw, tc.status, tc.code)
			}
			if r.status == 401 && r.header.Get("WWW-Authenticate") != "" {
				t.Errorf("WWW-Authenticate %q on a non-Basic failure", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the attacker's server got %d requests", n)
	}
}
