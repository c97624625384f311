package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// hs256 signs with HMAC-SHA256 and secret, as an algorithm-confusion
// attacker would with the issuer's public key (CVE-2022-29217).
func hs256(h, c map[string]any, secret []byte) string {
	h["alg"] = "HS256"
	ss := b64json(h) + "." + b64json(c)
	sig, _ := jwt.SigningMethodHS256.Sign(ss, secret)
	return ss + "." + b64(sig)
}

func TestTokenTable(t *testing.T) {
	e := newEnv(t, nil, nil)
	iss, now := e.iss, e.clk.Now()
	tok := func(edit func(h, c map[string]any)) string { return iss.token(now, edit) }
	valid := tok(nil)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&iss.rs.PublicKey)
	pkcs1 := x509.MarshalPKCS1PublicKey(&iss.rs.PublicKey)
	ecSPKI, _ := x509.MarshalPKIXPublicKey(&iss.es.PublicKey)
	rsJWK, _ := json.Marshal(jose.JSONWebKey{Key: &iss.rs.PublicKey, KeyID: iss.kidRS, Algorithm: "RS256", Use: "sig"})
	ecJWK, _ := json.Marshal(iss.pubJWKEC)
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("gateway fetched %s from the attacker", r.URL)
	}))
	defer attacker.Close()
	attackerJWK, _ := json.Marshal(jose.JSONWebKey{Key: &other.PublicKey, KeyID: "evil", Algorithm: "ES256"})
	hs := func(kid string, secret []byte) string {
		h, c := iss.header(), iss.claims(now)
		h["kid"] = kid
		return hs256(h, c, secret)
	}
	signed := func(h, c string) string { return signRaw("ES256", iss.es, h, c) }
	withAlg := func(alg string, sig string) string {
		h := iss.header()
		h["alg"] = alg
		return b64json(h) + "." + b64json(iss.claims(now)) + "." + sig
	}
	derSig := func() string {
		ss := b64json(iss.header()) + "." + b64json(iss.claims(now))
		sig, _ := jwt.SigningMethodES256.Sign(ss, iss.es)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		der, _ := asn1Sig(r, s)
		return ss + "." + b64(der)
	}()
	zeroSig := b64json(iss.header()) + "." + b64json(iss.claims(now)) + "." + b64(make([]byte, 64))

	const ok, bad = 200, 401
	invalid := challenge("invalid_token")
	cases := []struct {
		name   string
		auth   string
		edit   func(*http.Request)
		status int
		www    string
	}{
		{"valid", bearer(valid), nil, ok, ""},
		{"scheme lower case", "bearer " + valid, nil, ok, ""},
		{"scheme upper case", "BEARER " + valid, nil, ok, ""},
		{"RS256 key", bearer(signRaw("RS256", iss.rs, map[string]any{"alg": "RS256", "typ": "at+jwt", "kid": iss.kidRS}, iss.claims(now))), nil, ok, ""},
		{"PS256 with an RS256-bound key", bearer(signRaw("PS256", iss.rs, map[string]any{"alg": "PS256", "typ": "at+jwt", "kid": iss.kidRS}, iss.claims(now))), nil, bad, invalid},
		{"typ upper case", bearer(tok(func(h, c map[string]any) { h["typ"] = "AT+JWT" })), nil, ok, ""},
		{"typ application/at+jwt", bearer(tok(func(h, c map[string]any) { h["typ"] = "application/at+jwt" })), nil, ok, ""},
		{"aud array with ours", bearer(tok(func(h, c map[string]any) { c["aud"] = []string{"other", testAudience} })), nil, ok, ""},
		{"expired within leeway", bearer(tok(func(h, c map[string]any) { c["exp"] = now.Add(-5 * time.Second).Unix() })), nil, ok, ""},
		{"nbf +8 s", bearer(tok(func(h, c map[string]any) { c["nbf"] = now.Add(8 * time.Second).Unix() })), nil, ok, ""},
		{"jku to attacker is ignored", bearer(tok(func(h, c map[string]any) { h["jku"] = attacker.URL })), nil, ok, ""},

		{"no credentials", "", nil, bad, challenge("")},
		{"basic scheme", "Basic YzE6cw==", nil, bad, challenge("")},
		{"token in query only", "", func(r *http.Request) { r.URL.RawQuery = "access_token=" + valid }, bad, challenge("")},
		{"token in body only", "", formBody(valid), bad, challenge("")},
		// Without form_tokens the body is the upstream's data, never read
		// for a token (TestGatewayFormTokens has the 400 of two methods).
		{"token in header and body, no form tokens", bearer(valid), formBody(valid), ok, ""},
		{"two Authorization headers", bearer(valid), func(r *http.Request) { r.Header.Add("Authorization", bearer(valid)) }, 400, challenge("invalid_request")},
		{"Bearer empty", "Bearer ", nil, bad, invalid},
		{"expired", bearer(tok(func(h, c map[string]any) { c["exp"] = now.Add(-120 * time.Second).Unix() })), nil, bad, invalid},
		{"exp as string", bearer(tok(func(h, c map[string]any) { c["exp"] = "9999999999" })), nil, bad, invalid},
		{"exp missing", bearer(tok(func(h, c map[string]any) { delete(c, "exp") })), nil, bad, invalid},
		{"exp null", bearer(tok(func(h, c map[string]any) { c["exp"] = nil })), nil, bad, invalid},
		{"nbf +61 s", bearer(tok(func(h, c map[string]any) { c["nbf"] = now.Add(61 * time.Second).Unix() })), nil, bad, invalid},
		{"iat +61 s", bearer(tok(func(h, c map[string]any) { c["iat"] = now.Add(61 * time.Second).Unix() })), nil, bad, invalid},
		{"wrong iss", bearer(tok(func(h, c map[string]any) { c["iss"] = "https://other.example" })), nil, bad, invalid},
		{"iss trailing slash", bearer(tok(func(h, c map[string]any) { c["iss"] = iss.url + "/" })), nil, bad, invalid},
		{"iss upper-case", bearer(tok(func(h, c map[string]any) { c["iss"] = strings.ToUpper(iss.url) })), nil, bad, invalid},
		{"wrong aud", bearer(tok(func(h, c map[string]any) { c["aud"] = "https://other.example" })), nil, bad, invalid},
		{"aud array without ours", bearer(tok(func(h, c map[string]any) { c["aud"] = []string{"other"} })), nil, bad, invalid},
		{"aud empty array", bearer(tok(func(h, c map[string]any) { c["aud"] = []string{} })), nil, bad, invalid},
		{"aud missing", bearer(tok(func(h, c map[string]any) { delete(c, "aud") })), nil, bad, invalid},
		{"aud number", bearer(tok(func(h, c map[string]any) { c["aud"] = 7 })), nil, bad, invalid},
		{"missing scope", bearer(tok(func(h, c map[string]any) { c["scope"] = "orders:read" })), nil, 403,
			`Bearer realm="api", error="insufficient_scope", scope="profile", ` + testMetadata},
		{"revoked", bearer(tok(func(h, c map[string]any) { c["jti"] = "revoked-jti" })), nil, bad, invalid},
		{"typ missing", bearer(tok(func(h, c map[string]any) { delete(h, "typ") })), nil, bad, invalid},
		{"typ JWT", bearer(tok(func(h, c map[string]any) { h["typ"] = "JWT" })), nil, bad, invalid},
		{"unknown kid", bearer(tok(func(h, c map[string]any) { h["kid"] = "nope" })), nil, bad, invalid},
		{"kid path traversal", bearer(tok(func(h, c map[string]any) { h["kid"] = "../../etc/passwd" })), nil, bad, invalid},
		{"kid SQL", bearer(tok(func(h, c map[string]any) { h["kid"] = "' OR 1=1" })), nil, bad, invalid},
		{"another issuer's key, our kid", bearer(signRaw("ES256", other, iss.header(), iss.claims(now))), nil, bad, invalid},
		{"expired and bad signature", bearer(signRaw("ES256", other, iss.header(), func() map[string]any {
			c := iss.claims(now)
			c["exp"] = now.Add(-time.Hour).Unix()
			return c
		}())), nil, bad, invalid},
		{"jwk header with attacker key", bearer(signRaw("ES256", other, map[string]any{"alg": "ES256", "typ": "at+jwt", "jwk": json.RawMessage(attackerJWK)}, iss.claims(now))), nil, bad, invalid},
		{"jku to attacker, attacker key", bearer(signRaw("ES256", other, map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": "evil", "jku": attacker.URL}, iss.claims(now))), nil, bad, invalid},
		{"x5u to attacker", bearer(signRaw("ES256", other, map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": "evil", "x5u": attacker.URL}, iss.claims(now))), nil, bad, invalid},
		{"x5c with attacker cert", bearer(signRaw("ES256", other, map[string]any{"alg": "ES256", "typ": "at+jwt", "x5c": []string{"MIIB"}}, iss.claims(now))), nil, bad, invalid},
		{"crit", bearer(tok(func(h, c map[string]any) { h["crit"] = []string{"x"}; h["x"] = 1 })), nil, bad, invalid},
		{"b64 false", bearer(tok(func(h, c map[string]any) { h["b64"] = false; h["crit"] = []string{"b64"} })), nil, bad, invalid},
		{"exp twice", bearer(signed(`{"alg":"ES256","typ":"at+jwt","kid":"es-1"}`, dupExp(iss, now))), nil, bad, invalid},
		{"deep nesting", bearer(tok(func(h, c map[string]any) {
			c["x"] = json.RawMessage(strings.Repeat("[", 100) + strings.Repeat("]", 100))
		})), nil, bad, invalid},
		{"alg none", bearer(withAlg("none", "")), nil, bad, invalid},
		{"alg None with signature", bearer(withAlg("None", "c2ln")), nil, bad, invalid},
		{"alg NONE", bearer(withAlg("NONE", "c2ln")), nil, bad, invalid},
		{"alg nOnE", bearer(withAlg("nOnE", "")), nil, bad, invalid},
		{"alg none with signature", bearer(withAlg("none", "c2ln")), nil, bad, invalid},
		{"HS256 with RSA SPKI PEM", bearer(hs(iss.kidRS, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))), nil, bad, invalid},
		{"HS256 with RSA PKCS#1 PEM", bearer(hs(iss.kidRS, pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1}))), nil, bad, invalid},
		{"HS256 with RSA DER", bearer(hs(iss.kidRS, spki)), nil, bad, invalid},
		{"HS256 with EC SPKI PEM", bearer(hs(iss.kidES, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecSPKI}))), nil, bad, invalid},
		{"HS256 with RSA JWK JSON", bearer(hs(iss.kidRS, rsJWK)), nil, bad, invalid},
		{"HS256 with EC JWK JSON", bearer(hs(iss.kidES, ecJWK)), nil, bad, invalid},
		{"HS256 with whole JWKS", bearer(hs(iss.kidES, iss.jwks)), nil, bad, invalid},
		{"HS256 with base64url n", bearer(hs(iss.kidRS, []byte(b64(iss.rs.N.Bytes())))), nil, bad, invalid},
		{"ES256 signature DER-encoded", bearer(derSig), nil, bad, invalid},
		{"ES256 signature r=s=0", bearer(zeroSig), nil, bad, invalid},
		{"malformed base64 (+)", bearer(strings.Replace(valid, "-", "+", 1) + "+"), nil, bad, invalid},
		{"base64 padding", bearer(valid + "=="), nil, bad, invalid},
		{"two segments", bearer(valid[:strings.LastIndexByte(valid, '.')]), nil, bad, invalid},
		{"four segments", bearer(valid + ".abc"), nil, bad, invalid},
		{"100 KB token", bearer(strings.Repeat("a", 100<<10)), nil, bad, invalid},
		{"1 MB of dots", bearer(strings.Repeat(".", 1<<20)), nil, bad, invalid},
	}
	e.revs.revoke("revoked-jti")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("GET", "/api/x", tc.auth, tc.edit)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if ev := e.audit.all(); tc.status != ok && len(ev) > 0 {
				t.Logf("reason %s", ev[len(ev)-1].Reason)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tc.www {
				t.Errorf("WWW-Authenticate %q, want %q", got, tc.www)
			}
			if tc.status != ok {
				var body map[string]string
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["error"] == "" || body["error_description"] == "" {
					t.Errorf("error body %s", w.Body)
				}
			}
		})
	}
	for _, ev := range e.audit.all() {
		b, _ := json.Marshal(ev)
		if strings.Contains(string(b), valid[:40]) {
			t.Errorf("audit event holds a token: %s", b)
		}
	}
	if n := iss.hits.Load(); n > 2 {
		t.Errorf("JWKS fetched %d times", n)
	}
}

func formBody(tok string) func(*http.Request) {
	return func(r *http.Request) {
		body := url.Values{"access_token": {tok}, "a": {"b"}}.Encode()
		r.Method = http.MethodPost
		r.Body = httptest.NewRequest("POST", "/", strings.NewReader(body)).Body
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
}

func dupExp(iss *issuer, now time.Time) string {
	c := iss.claims(now)
	c["exp"] = now.Add(-time.Hour).Unix()
	b, _ := json.Marshal(c)
	return strings.TrimSuffix(string(b), "}") + `,"exp":` + jsonInt(now.Add(time.Hour).Unix()) + "}"
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
