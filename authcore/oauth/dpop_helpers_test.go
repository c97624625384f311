package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// proofKey is a client's DPoP key in the tests.
type proofKey struct {
	priv *ecdsa.PrivateKey
	jwk  jose.JSONWebKey
	jkt  string
}

func newProofKey(t testing.TB) proofKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &k.PublicKey}
	tp, _ := jwk.Thumbprint(crypto.SHA256)
	return proofKey{priv: k, jwk: jwk, jkt: base64.RawURLEncoding.EncodeToString(tp)}
}

var proofSeq atomic.Int64

// proof makes a DPoP proof (RFC 9449 §4.2) signed with ES256; edit may
// change the header and claims before signing.
func (k proofKey) proof(t testing.TB, htm, htu string, iat time.Time, edit func(h, c map[string]any)) string {
	t.Helper()
	h := map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": k.jwk}
	c := map[string]any{"jti": fmt.Sprintf("proof-%d", proofSeq.Add(1)), "htm": htm, "htu": htu, "iat": iat.Unix()}
	if edit != nil {
		edit(h, c)
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	in := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	sig, err := jwt.SigningMethodES256.Sign(in, k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// tokenProof is a valid proof for POST /token of e.
func (e *env) tokenProof(k proofKey) string {
	return k.proof(e.t, "POST", e.ts.URL+"/token", e.clock.Now(), nil)
}

// postDPoP posts form to /token with the given DPoP headers.
func (e *env) postDPoP(form url.Values, c *testClient, proofs ...string) tokenReply {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c != nil {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.secret))
	}
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	return e.do(req)
}

// accessCnf returns the cnf claim of an access token, unverified.
func accessCnf(t testing.TB, at string) map[string]any {
	t.Helper()
	parts := strings.Split(at, ".")
	if len(parts) != 3 {
		t.Fatalf("access token %q is not a JWT", at)
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Cnf map[string]any `json:"cnf"`
	}
	_ = json.Unmarshal(b, &c)
	return c.Cnf
}
