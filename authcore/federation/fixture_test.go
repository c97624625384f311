package federation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// fakeIdP is an external OpenID provider on a loopback listener: its
// discovery document and a JWKS with one ES256 key, kid "k1".
type fakeIdP struct {
	srv *httptest.Server
	key *ecdsa.PrivateKey
}

func newFakeIdP(t *testing.T) *fakeIdP {
	t.Helper()
	p := &fakeIdP{key: newECKey(t, elliptic.P256())}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/jwks",
			"authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func newECKey(t *testing.T, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// jwsOpts are what a test changes in a token's header and signature.
type jwsOpts struct {
	alg jose.SignatureAlgorithm // default ES256
	key any                     // default the provider's key
	kid string                  // default "k1"
	typ string                  // default "JWT"; "-" for none
}

// sign returns claims as a compact JWS signed by the provider (or as o says).
func (p *fakeIdP) sign(t *testing.T, claims map[string]any, o jwsOpts) string {
	t.Helper()
	if o.alg == "" {
		o.alg = jose.ES256
	}
	if o.key == nil {
		o.key = p.key
	}
	if o.kid == "" {
		o.kid = "k1"
	}
	so := (&jose.SignerOptions{}).WithHeader("kid", o.kid)
	switch o.typ {
	case "":
		so = so.WithType("JWT")
	case "-":
	default:
		so = so.WithType(jose.ContentType(o.typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: o.alg, Key: o.key}, so)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(claims)
	obj, err := s.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fedEnv is a Service over a real in-memory Badger store with a settable
// clock, a recorded audit log and one registered provider, "corp".
type fedEnv struct {
	s      *Service
	st     *badger.Store
	clk    *testsupport.Clock
	events *testsupport.Events
	idp    *fakeIdP
	p      authcore.IdentityProvider
}

// audience is the provider's client id of the application whose tokens
// Latchkey accepts.
const audience = "app-at-corp"

func newFedEnv(t *testing.T, provider func(*authcore.IdentityProvider)) *fedEnv {
	t.Helper()
	// The clock starts at the wall clock's second: Badger's own TTLs
	// (the replay records) run on real time.
	clk := testsupport.NewClock(time.Now().Truncate(time.Second))
	st, err := badger.Open(badger.Options{InMemory: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &fedEnv{st: st, clk: clk, events: &testsupport.Events{}, idp: newFakeIdP(t)}
	e.s, err = New(Config{Issuer: "https://as.example", Store: st, Now: e.clk.Now, Audit: e.events})
	if err != nil {
		t.Fatal(err)
	}
	p := authcore.IdentityProvider{ID: "corp", Issuer: e.idp.srv.URL, Audiences: []string{audience},
		Provisioning: authcore.ProvisionCreate, Enabled: true}
	if provider != nil {
		provider(&p)
	}
	if e.p, err = e.s.AddProvider(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return e
}

// claims are the claims of a valid ID token of the provider, now; each
// call has a fresh jti.
func (e *fedEnv) claims() map[string]any {
	now := e.clk.Now().Unix()
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return map[string]any{"iss": e.idp.srv.URL, "sub": "u-1", "aud": audience, "exp": now + 300, "iat": now,
		"jti": hex.EncodeToString(b)}
}
