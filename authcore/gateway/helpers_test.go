package gateway

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/audit"
)

const testAudience = "https://api.example"

var t0 = time.Unix(1_800_000_000, 0)

// clock is a settable test clock.
type clock struct{ ns atomic.Int64 }

func newClock() *clock               { c := &clock{}; c.ns.Store(t0.UnixNano()); return c }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// issuer is a test authorization server: ES256 and RS256 keys and a JWKS
// endpoint that counts its hits.
type issuer struct {
	es       *ecdsa.PrivateKey
	rs       *rsa.PrivateKey
	jwks     []byte
	srv      *httptest.Server
	hits     atomic.Int64
	url      string
	kidES    string
	kidRS    string
	pubJWKEC jose.JSONWebKey
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	es, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	iss := &issuer{es: es, rs: rs, kidES: "es-1", kidRS: "rs-1"}
	iss.pubJWKEC = jose.JSONWebKey{Key: &es.PublicKey, KeyID: iss.kidES, Algorithm: "ES256", Use: "sig"}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{iss.pubJWKEC,
		{Key: &rs.PublicKey, KeyID: iss.kidRS, Algorithm: "RS256", Use: "sig"}}}
	iss.jwks, _ = json.Marshal(set)
	iss.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/jwks.json":
			iss.hits.Add(1)
			w.Header().Set("Content-Type", "application/jwk-set+json")
			w.Header().Set("Cache-Control", "max-age=300")
			_, _ = w.Write(iss.jwks)
		case "/.well-known/oauth-authorization-server":
			_ = json.NewEncoder(w).Encode(Metadata{Issuer: iss.url, JWKSURI: iss.url + "/jwks.json"})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(iss.srv.Close)
	iss.url = iss.srv.URL
	return iss
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func b64json(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b64(b)
}

// signRaw signs header and claims (any JSON-marshalable values, or raw
// JSON strings) with key under alg.
func signRaw(alg string, key crypto.PrivateKey, header, claims any) string {
	enc := func(v any) string {
		if s, ok := v.(string); ok {
			return b64([]byte(s))
		}
		return b64json(v)
	}
	ss := enc(header) + "." + enc(claims)
	sig, err := jwt.GetSigningMethod(alg).Sign(ss, key)
	if err != nil {
		panic(err)
	}
	return ss + "." + b64(sig)
}

func (iss *issuer) claims(now time.Time) map[string]any {
	return map[string]any{"iss": iss.url, "sub": "alice", "aud": testAudience, "client_id": "c1",
		"scope": "profile orders:read", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "jti-1"}
}

func (iss *issuer) header() map[string]any {
	return map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": iss.kidES}
}

// token signs claims with the ES256 key after applying edits.
func (iss *issuer) token(now time.Time, edit func(h, c map[string]any)) string {
	h, c := iss.header(), iss.claims(now)
	if edit != nil {
		edit(h, c)
	}
	return signRaw("ES256", iss.es, h, c)
}

// recorder keeps audit events.
type recorder struct {
	mu     sync.Mutex
	events []audit.Event
}

func (r *recorder) Record(_ context.Context, e audit.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []audit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]audit.Event(nil), r.events...)
}

// revSet is an in-memory Revocations.
type revSet struct {
	mu  sync.Mutex
	set map[string]bool
	err error
}

func (s *revSet) IsRevoked(_ context.Context, jti string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set[jti], s.err
}

func (s *revSet) revoke(jti string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set == nil {
		s.set = map[string]bool{}
	}
	s.set[jti] = true
}

// echoUpstream answers with the request's identity headers and path.
func echoUpstream(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"path": r.URL.Path, "query": r.URL.RawQuery,
			"subject": r.Header.Values(HeaderSubject), "client": r.Header.Values(HeaderClient),
			"scopes": r.Header.Values(HeaderScopes), "authorization": r.Header.Get("Authorization"),
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// env is a gateway in front of an echo upstream.
type env struct {
	iss   *issuer
	clk   *clock
	gw    *Gateway
	revs  *revSet
	audit *recorder
	up    *httptest.Server
}

func newEnv(t testing.TB, routes func(up string) []Route, edit func(*Config)) *env {
	t.Helper()
	e := &env{iss: newIssuer(t), clk: newClock(), revs: &revSet{}, audit: &recorder{}, up: echoUpstream(t)}
	rs := []Route{{Name: "api", Prefix: "/api/", Upstream: e.up.URL, Scopes: []string{"profile"}}}
	if routes != nil {
		rs = routes(e.up.URL)
	}
	cfg := Config{Issuer: e.iss.url, Audience: testAudience, Routes: rs, Revocations: e.revs, Audit: e.audit,
		Now: e.clk.Now, Keys: NewRemoteKeys(RemoteKeysConfig{Issuer: e.iss.url, Now: e.clk.Now})}
	if edit != nil {
		edit(&cfg)
	}
	gw, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.gw = gw
	return e
}

// do sends a request through the gateway.
func (e *env) do(method, target, auth string, edit func(*http.Request)) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	if edit != nil {
		edit(r)
	}
	w := httptest.NewRecorder()
	e.gw.ServeHTTP(w, r)
	return w
}

func bearer(tok string) string { return "Bearer " + tok }

func challenge(code string) string {
	if code == "" {
		return `Bearer realm="api", ` + testMetadata + `, DPoP algs="ES256 PS256 EdDSA"`
	}
	return `Bearer realm="api", error="` + code + `", ` + testMetadata
}

// testMetadata is the resource_metadata parameter (RFC 9728 §5.1) of the
// test route /api's challenges, for requests to httptest's example.com.
const testMetadata = `resource_metadata="http://example.com/.well-known/oauth-protected-resource/api"`

// publicMetadata is testMetadata behind Config.PublicURL
// https://api.example.
const publicMetadata = `resource_metadata="https://api.example/.well-known/oauth-protected-resource/api"`

var _ = strings.TrimSpace
var _ = jwt.SigningMethodES256

func asn1Sig(r, s *big.Int) ([]byte, error) {
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}
