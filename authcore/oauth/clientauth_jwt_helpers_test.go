package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

// jwtClient is a private_key_jwt client with its signing key.
type jwtClient struct {
	testClient
	alg  string
	kid  string
	priv crypto.Signer
}

// newKey makes a private key for alg.
func newKey(t testing.TB, alg string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch alg {
	case "ES256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "PS256", "RS256":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "EdDSA":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("no key for %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// jwksOf is the JWK Set JSON of the public halves of keys.
func jwksOf(t testing.TB, keys ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jwtClient registers a client_credentials client authenticating with
// private_key_jwt and a fresh alg key whose kid is "k1".
func (e *env) jwtClient(alg string) jwtClient {
	e.t.Helper()
	priv := newKey(e.t, alg)
	jwks := jwksOf(e.t, jose.JSONWebKey{Key: priv.Public(), KeyID: "k1", Algorithm: alg, Use: "sig"})
	c := e.client(ClientSpec{Name: "jwt-" + alg, AuthMethod: authcore.AuthPrivateKeyJWT, JWKS: jwks,
		GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"orders:read"}})
	if c.secret != "" {
		e.t.Fatal("a private_key_jwt client got a secret")
	}
	return jwtClient{testClient: c, alg: alg, kid: "k1", priv: priv}
}

// claims are valid assertion claims for c at the server's clock.
func (e *env) claims(c jwtClient) jwt.MapClaims {
	now := e.clock.Now()
	return jwt.MapClaims{"iss": c.ID, "sub": c.ID, "aud": e.srv.Issuer(),
		"jti": rand.Text(), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
}

// sign signs claims with c's key under c's alg and kid; hdr adds or
// (with nil values) removes header parameters.
func (c jwtClient) sign(t testing.TB, claims jwt.MapClaims, hdr map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(c.alg), claims)
	tok.Header["kid"] = c.kid
	for k, v := range hdr {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(c.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// assertionForm is a client_credentials request carrying assertion.
func assertionForm(assertion string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_assertion": {assertion},
		"client_assertion_type": {AssertionTypeJWT}}
}

// withAssertion adds a client assertion to f.
func withAssertion(f url.Values, assertion string) url.Values {
	f.Set("client_assertion", assertion)
	f.Set("client_assertion_type", AssertionTypeJWT)
	return f
}
