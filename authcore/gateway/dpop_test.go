package gateway

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

type dpopKey struct {
	priv *ecdsa.PrivateKey
	jwk  jose.JSONWebKey
	jkt  string
}

func newDPoPKey() dpopKey {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwk := jose.JSONWebKey{Key: &k.PublicKey}
	tp, _ := jwk.Thumbprint(crypto.SHA256)
	return dpopKey{priv: k, jwk: jwk, jkt: b64(tp)}
}

var proofN int

func (k dpopKey) proof(now time.Time, method, htu, tok string, edit func(h, c map[string]any)) string {
	proofN++
	sum := sha256.Sum256([]byte(tok))
	h := map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": k.jwk}
	c := map[string]any{"jti": fmt.Sprintf("p-%d", proofN), "htm": method, "htu": htu, "iat": now.Unix(), "ath": b64(sum[:])}
	if edit != nil {
		edit(h, c)
	}
	return signRaw("ES256", k.priv, h, c)
}

func TestDPoP(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.PublicURL = "https://api.example" })
	now := e.clk.Now()
	key, other := newDPoPKey(), newDPoPKey()
	tok := e.iss.token(now, func(h, c map[string]any) { c["cnf"] = map[string]string{"jkt": key.jkt} })
	plain := e.iss.token(now, nil)
	const u = "https://api.example/api/x"
	privJWK, _ := json.Marshal(jose.JSONWebKey{Key: key.priv})
	replayed := key.proof(now, "GET", u, tok, nil)
	if w := e.do("GET", "/api/x", "DPoP "+tok, func(r *http.Request) { r.Header.Set("DPoP", replayed) }); w.Code != 200 {
		t.Fatalf("first use of proof: %d %s", w.Code, w.Body)
	}
	proofErr := `DPoP realm="api", error="invalid_dpop_proof", algs="ES256 PS256 EdDSA", ` + publicMetadata
	tokenErr := `DPoP realm="api", error="invalid_token", algs="ES256 PS256 EdDSA", ` + publicMetadata
	cases := []struct {
		name   string
		auth   string
		proofs []string
		status int
		www    string
	}{
		{"valid", "DPoP " + tok, []string{key.proof(now, "GET", u, tok, nil)}, 200, ""},
		{"scheme lower case", "dpop " + tok, []string{key.proof(now, "GET", u, tok, nil)}, 200, ""},
		{"htu upper-case host and scheme", "DPoP " + tok, []string{key.proof(now, "GET", "HTTPS://API.EXAMPLE/api/x", tok, nil)}, 200, ""},
		{"htu explicit :443", "DPoP " + tok, []string{key.proof(now, "GET", "https://api.example:443/api/x", tok, nil)}, 200, ""},
		{"htu with query and fragment", "DPoP " + tok, []string{key.proof(now, "GET", u+"?a=1#frag", tok, nil)}, 200, ""},
		{"htu percent-encoded unreserved", "DPoP " + tok, []string{key.proof(now, "GET", "https://api.example/api/%78", tok, nil)}, 200, ""},
		{"htu dot segment", "DPoP " + tok, []string{key.proof(now, "GET", "https://api.example/api/y/../x", tok, nil)}, 200, ""},
		{"bound token as Bearer", "Bearer " + tok, []string{key.proof(now, "GET", u, tok, nil)}, 401, `Bearer realm="api", error="invalid_token", ` + publicMetadata},
		{"bound token as Bearer, no proof", "Bearer " + tok, nil, 401, `Bearer realm="api", error="invalid_token", ` + publicMetadata},
		{"no proof", "DPoP " + tok, nil, 401, proofErr},
		{"two proofs", "DPoP " + tok, []string{key.proof(now, "GET", u, tok, nil), key.proof(now, "GET", u, tok, nil)}, 401, proofErr},
		{"wrong ath", "DPoP " + tok, []string{key.proof(now, "GET", u, plain, nil)}, 401, proofErr},
		{"wrong key", "DPoP " + tok, []string{other.proof(now, "GET", u, tok, nil)}, 401, tokenErr},
		{"htm mismatch", "DPoP " + tok, []string{key.proof(now, "POST", u, tok, nil)}, 401, proofErr},
		{"htu other host", "DPoP " + tok, []string{key.proof(now, "GET", "https://evil.example/api/x", tok, nil)}, 401, proofErr},
		{"htu other path", "DPoP " + tok, []string{key.proof(now, "GET", "https://api.example/api/y", tok, nil)}, 401, proofErr},
		{"htu http scheme", "DPoP " + tok, []string{key.proof(now, "GET", "http://api.example/api/x", tok, nil)}, 401, proofErr},
		{"iat -1 h", "DPoP " + tok, []string{key.proof(now.Add(-time.Hour), "GET", u, tok, nil)}, 401, proofErr},
		{"iat +1 h", "DPoP " + tok, []string{key.proof(now.Add(time.Hour), "GET", u, tok, nil)}, 401, proofErr},
		{"replayed jti", "DPoP " + tok, []string{replayed}, 401, proofErr},
		{"typ JWT", "DPoP " + tok, []string{key.proof(now, "GET", u, tok, func(h, c map[string]any) { h["typ"] = "JWT" })}, 401, proofErr},
		{"alg RS256 not allowed", "DPoP " + tok, []string{key.proof(now, "GET", u, tok, func(h, c map[string]any) { h["alg"] = "RS256" })}, 401, proofErr},
		{"private jwk", "DPoP " + tok, []string{key.proof(now, "GET", u, tok, func(h, c map[string]any) { h["jwk"] = json.RawMessage(privJWK) })}, 401, proofErr},
		{"no ath", "DPoP " + tok, []string{key.proof(now, "GET", u, tok, func(h, c map[string]any) { delete(c, "ath") })}, 401, proofErr},
		{"unbound token with DPoP scheme", "DPoP " + plain, []string{key.proof(now, "GET", u, plain, nil)}, 401, tokenErr},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("GET", "/api/x", tc.auth, func(r *http.Request) {
				for _, p := range tc.proofs {
					r.Header.Add("DPoP", p)
				}
			})
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tc.www {
				t.Errorf("WWW-Authenticate %q, want %q", got, tc.www)
			}
		})
	}
}

func TestMTLSBinding(t *testing.T) {
	e := newEnv(t, nil, nil)
	cert := &x509.Certificate{Raw: []byte("client certificate DER")}
	sum := sha256.Sum256(cert.Raw)
	tok := e.iss.token(e.clk.Now(), func(h, c map[string]any) { c["cnf"] = map[string]string{"x5t#S256": b64(sum[:])} })
	withCert := func(c *x509.Certificate) func(*http.Request) {
		return func(r *http.Request) { r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{c}} }
	}
	if w := e.do("GET", "/api/x", bearer(tok), withCert(cert)); w.Code != 200 {
		t.Errorf("matching certificate: %d %s", w.Code, w.Body)
	}
	if w := e.do("GET", "/api/x", bearer(tok), withCert(&x509.Certificate{Raw: []byte("other")})); w.Code != 401 {
		t.Errorf("other certificate: %d", w.Code)
	}
	if w := e.do("GET", "/api/x", bearer(tok), nil); w.Code != 401 || w.Header().Get("WWW-Authenticate") != challenge("invalid_token") {
		t.Errorf("no certificate: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}

func TestNormalizeHTU(t *testing.T) {
	for in, want := range map[string]string{
		"https://API.Example:443":            "https://api.example/",
		"HTTP://a.example:80/x/./y/../z?q#f": "http://a.example/x/z",
		"https://a.example:8443/%7euser/%2f": "https://a.example:8443/~user/%2F",
		"https://[::1]:443/p":                "https://[::1]/p",
	} {
		if got, ok := normalizeHTU(in); !ok || got != want {
			t.Errorf("normalizeHTU(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"", "/relative", "ftp://a.example/", "https:opaque"} {
		if _, ok := normalizeHTU(in); ok {
			t.Errorf("normalizeHTU(%q) accepted", in)
		}
	}
}
