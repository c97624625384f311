package oauth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// testClient is a registered client and its secret.
type testClient struct {
	authcore.Client
	secret string
}

// env is a running server with its fakes and a few clients:
// web (confidential, basic, https://app.example/cb), web2 (another
// confidential client), postc (confidential, client_secret_post), native
// (public, loopback http://127.0.0.1/cb), svc (client_credentials only),
// multi (two redirect URIs), rs (a resource server whose audience is the
// default one, so it may introspect every user token).
type env struct {
	t                                        testing.TB
	srv                                      *Server
	store                                    authcore.Storage
	ui                                       *fakeUI
	signer                                   *fakeSigner
	rec                                      *recorder
	clock                                    *clock
	ts                                       *httptest.Server
	web, web2, postc, native, svc, multi, rs testClient
}

func newEnv(t testing.TB, opts ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, store: newStore(t), rec: &recorder{},
		clock: &clock{now: time.Now().Truncate(time.Second)}}
	e.signer = newFakeSigner(e.clock.Now)
	e.ui = &fakeUI{store: e.store, now: e.clock.Now, authz: func() *Authorizer { return e.srv.Authorizer() }}
	mux := http.NewServeMux()
	e.ts = httptest.NewServer(mux)
	t.Cleanup(e.ts.Close)
	cfg := Config{Issuer: e.ts.URL, Store: e.store, Signer: e.signer, Interaction: e.ui,
		Audit: e.rec, Now: e.clock.Now, ClientRate: rate.Inf, IPRate: rate.Inf, AuthFailureRate: rate.Inf}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	srv.Mount(mux)
	e.ui.mount(mux)
	ctx := context.Background()
	if err := srv.EnsureDefaultScopes(ctx); err != nil {
		t.Fatal(err)
	}
	// The fake UI signs everyone in as alice; the token endpoint checks the
	// user still exists and is enabled (user_active.go).
	if err := e.store.CreateUser(ctx, authcore.User{ID: "alice", Username: "alice", CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	all := []string{"openid", "profile", "offline_access", "orders:read"}
	code := []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken}
	e.web = e.client(ClientSpec{Name: "web", RedirectURIs: []string{"https://app.example/cb"}, GrantTypes: code, Scopes: all})
	e.web2 = e.client(ClientSpec{Name: "web2", RedirectURIs: []string{"https://app.example/cb"}, GrantTypes: code, Scopes: all})
	e.postc = e.client(ClientSpec{Name: "post", AuthMethod: authcore.AuthSecretPost, RedirectURIs: []string{"https://post.example/cb"}, GrantTypes: code, Scopes: all})
	e.native = e.client(ClientSpec{Name: "native", Type: authcore.Public, RedirectURIs: []string{"http://127.0.0.1/cb"}, GrantTypes: code, Scopes: all})
	e.svc = e.client(ClientSpec{Name: "svc", GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"orders:read"}, Audience: []string{"https://api.example"}})
	e.multi = e.client(ClientSpec{Name: "multi", RedirectURIs: []string{"https://a.example/cb", "https://b.example/cb"}, GrantTypes: code, Scopes: all})
	e.rs = e.client(ClientSpec{Name: "rs", GrantTypes: []string{authcore.GrantClientCredentials}, Audience: []string{e.ts.URL}})
	return e
}

// newStore opens the real Badger store in memory.
func newStore(t testing.TB) authcore.Storage {
	t.Helper()
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func (e *env) client(spec ClientSpec) testClient {
	e.t.Helper()
	c, secret, err := e.srv.CreateClient(context.Background(), spec)
	if err != nil {
		e.t.Fatalf("create %s: %v", spec.Name, err)
	}
	return testClient{Client: c, secret: secret}
}

// browser is an HTTP client with a cookie jar that follows redirects on
// the server and stops at the first redirect elsewhere.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	host := strings.TrimPrefix(e.ts.URL, "http://")
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != host || len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// noFollow is an HTTP client that never follows redirects.
func noFollow() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// authParams is a valid authorization request for c.
func authParams(c testClient, verifier string) url.Values {
	v := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "state": {"st"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
		"scope": {"openid offline_access orders:read"}}
	if len(c.RedirectURIs) > 0 {
		v.Set("redirect_uri", c.RedirectURIs[0])
	}
	return v
}

// authorize runs GET /authorize signed in as alice with consent, and
// returns the final response (a redirect to the client, or a page).
func (e *env) authorize(q string) *http.Response {
	e.t.Helper()
	resp, err := e.browser().Get(e.ts.URL + "/authorize?" + q + "")
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// code gets a code for c with verifier, through login and consent.
func (e *env) code(c testClient, verifier string) string {
	e.t.Helper()
	resp := e.authorize(authParams(c, verifier).Encode())
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Query().Get("code") == "" {
		e.t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// tokenReply is a decoded token-endpoint answer.
type tokenReply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r tokenReply) str(k string) string { s, _ := r.body[k].(string); return s }

// post sends a form to path with optional Basic credentials.
func (e *env) post(path string, form url.Values, c *testClient) tokenReply {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c != nil {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.secret))
	}
	return e.do(req)
}

func (e *env) do(req *http.Request) tokenReply {
	e.t.Helper()
	resp, err := noFollow().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := tokenReply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

// redeem exchanges code for c (Basic for confidential, client_id for
// public).
func (e *env) redeem(c testClient, code, verifier string) tokenReply {
	e.t.Helper()
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {verifier}, "redirect_uri": {c.RedirectURIs[0]}}
	return e.post("/token", f, e.auth(c, f))
}

// auth returns the Basic credentials for confidential clients, adding
// client_id to f for public ones.
func (e *env) auth(c testClient, f url.Values) *testClient {
	if c.Type == authcore.Public {
		f.Set("client_id", c.ID)
		return nil
	}
	if c.AuthMethod == authcore.AuthSecretPost {
		f.Set("client_id", c.ID)
		f.Set("client_secret", c.secret)
		return nil
	}
	return &c
}

// introspect asks about token as the caller.
func (e *env) introspect(caller testClient, token string) tokenReply {
	return e.post("/introspect", url.Values{"token": {token}}, &caller)
}

// active reports whether token is active for its own client.
func (e *env) active(c testClient, token string) bool {
	e.t.Helper()
	r := e.introspect(c, token)
	if r.status != 200 {
		e.t.Fatalf("introspect: %d %s", r.status, r.raw)
	}
	return r.body["active"] == true
}
