package flow

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// fake is a small, configurable OAuth/OIDC issuer for tests. Its knobs
// produce the misbehaviours the lint must notice.
type fake struct {
	t  *testing.T
	ts *httptest.Server

	// knobs
	noIss       bool          // omit iss from authorization responses
	plain       bool          // advertise and accept PKCE plain
	noStore     bool          // omit Cache-Control: no-store
	noRotate    bool          // refresh returns no new refresh token
	noReuse     bool          // spent refresh tokens keep working
	oauthOnly   bool          // no OIDC discovery document
	wrongState  bool          // echo a different state
	wrongIssuer bool          // metadata names another issuer
	rogueKey    bool          // sign with a key not in the JWKS
	lifetime    time.Duration // access token lifetime (default 10 min)
	audience    any           // aud of access tokens (default the API)
	devicePolls []string      // errors to answer device polls with, in order
	legacy      bool          // advertise implicit and password
	pairwise    bool          // advertise pairwise subjects
	atSub       string        // sub of access tokens issued with an ID token (default the user)
	userinfoSub string        // sub of userinfo answers (default the user)
	// detailsEdit changes the authorization_details granted (in the
	// token response, resp) and put in the access token (claim); both
	// start as the requested value.
	detailsEdit func(resp, claim *any)
	// idEdit changes the ID token's claims before it is signed; at is
	// the access token issued with it.
	idEdit func(claims map[string]any, at string)

	key, rogue *ecdsa.PrivateKey

	mu       sync.Mutex
	codes    map[string]authz
	refresh  map[string]*family // token -> family
	spent    map[string]*family
	revoked  map[string]bool
	polls    int
	lastAuth authz
}

type authz struct {
	challenge, method, redirect, nonce, scope, details string
}

type family struct{ revoked bool }

const (
	fakeClient = "client-1"
	fakeSecret = "s3cret-value-for-tests"
	fakeUser   = "user-42"
)

func newFake(t *testing.T, knobs func(*fake)) *fake {
	t.Helper()
	f := &fake{t: t, codes: map[string]authz{}, refresh: map[string]*family{},
		spent: map[string]*family{}, revoked: map[string]bool{}, lifetime: 10 * time.Minute}
	if knobs != nil {
		knobs(f)
	}
	f.key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.rogue, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mux := http.NewServeMux()
	if !f.oauthOnly {
		mux.HandleFunc("GET /.well-known/openid-configuration", f.metadata)
	}
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", f.metadata)
	mux.HandleFunc("GET /jwks", f.jwks)
	mux.HandleFunc("GET /authorize", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("POST /device", f.deviceAuthorization)
	mux.HandleFunc("POST /introspect", f.introspect)
	mux.HandleFunc("POST /revoke", f.revoke)
	mux.HandleFunc("GET /userinfo", f.userinfo)
	mux.HandleFunc("GET /demo/api/profile", f.api)
	f.ts = httptest.NewServer(mux)
	t.Cleanup(f.ts.Close)
	return f
}

func (f *fake) metadata(w http.ResponseWriter, r *http.Request) {
	iss := f.ts.URL
	if f.wrongIssuer {
		iss = "https://elsewhere.example"
	}
	methods := []string{"S256"}
	if f.plain {
		methods = append(methods, "plain")
	}
	md := map[string]any{
		"issuer": iss, "authorization_endpoint": f.ts.URL + "/authorize",
		"token_endpoint": f.ts.URL + "/token", "jwks_uri": f.ts.URL + "/jwks",
		"device_authorization_endpoint": f.ts.URL + "/device",
		"introspection_endpoint":        f.ts.URL + "/introspect",
		"revocation_endpoint":           f.ts.URL + "/revoke",
		"userinfo_endpoint":             f.ts.URL + "/userinfo",
		"scopes_supported":              []string{"openid", "profile", "offline_access"},
		"response_types_supported":      []string{"code"},
		"grant_types_supported": []string{"authorization_code", "client_credentials", "refresh_token",
			GrantDeviceCode, GrantTokenExchange},
		"code_challenge_methods_supported":      methods,
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
	}
	if !f.noIss {
		md["authorization_response_iss_parameter_supported"] = true
	}
	md["subject_types_supported"] = []string{"public"}
	if f.pairwise {
		md["subject_types_supported"] = []string{"public", "pairwise"}
	}
	if f.legacy {
		md["response_types_supported"] = []string{"code", "token", "id_token token"}
		md["grant_types_supported"] = []string{"authorization_code", "implicit", "password"}
	}
	writeJSON(w, http.StatusOK, md, false)
}

func (f *fake) jwks(w http.ResponseWriter, r *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}}
	writeJSON(w, http.StatusOK, set, false)
}

// sign makes an ES256 JWT.
func (f *fake) sign(typ string, claims map[string]any) string {
	key, kid := f.key, "k1"
	if f.rogueKey {
		key, kid = f.rogue, "k1"
	}
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", kid)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		f.t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any, noStore bool) {
	w.Header().Set("Content-Type", "application/json")
	if noStore {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthErr(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": code + " (fake)"}, true)
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// clientOK authenticates the client with Basic or post, or accepts a
// public client_id.
func clientOK(r *http.Request) bool {
	if id, secret, ok := r.BasicAuth(); ok {
		return id == fakeClient && secret == fakeSecret
	}
	if r.PostForm.Get("client_secret") != "" {
		return r.PostForm.Get("client_id") == fakeClient && r.PostForm.Get("client_secret") == fakeSecret
	}
	return r.PostForm.Get("client_id") == fakeClient
}
