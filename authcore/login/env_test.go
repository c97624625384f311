package login

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// testParams are cheap argon2id parameters so tests run fast under -race.
var testParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const (
	alicePassword = "correct horse battery"
	// testReturn is a return address as the OAuth package builds it.
	testReturn = "/authorize?client_id=c1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" +
		"&code_challenge_method=S256&response_type=code&scope=openid+profile&state=xyz"
)

// env is a Manager on an in-memory Badger store behind a test server,
// with a client c1, three scopes and a user alice.
type env struct {
	t      *testing.T
	m      *Manager
	store  *badger.Store
	clock  *testsupport.Clock
	rec    *testsupport.Events
	srv    *httptest.Server
	alice  authcore.User
	denied chan string // returnTo values passed to OnDeny
}

func newEnv(t *testing.T, tweak ...func(*Config)) *env {
	t.Helper()
	// The clock starts at the real time: Badger's own TTLs, which back the
	// store's expiries, count in wall-clock seconds.
	ck := testsupport.NewClock(time.Now().UTC().Truncate(time.Second))
	st, err := badger.Open(badger.Options{InMemory: true, Now: ck.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, clock: ck, rec: &testsupport.Events{}, denied: make(chan string, 4)}
	cfg := Config{Store: st, Audit: e.rec, Now: ck.Now, PasswordParams: testParams,
		LoginRate: rate.Inf,
		OnDeny: func(w http.ResponseWriter, r *http.Request, returnTo string) {
			e.denied <- returnTo
			w.WriteHeader(http.StatusTeapot)
		}}
	for _, f := range tweak {
		f(&cfg)
	}
	if e.m, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	must(t, st.CreateClient(ctx, authcore.Client{ID: "c1", Name: "Acme Dashboard",
		Type: authcore.Confidential, RedirectURIs: []string{"https://app.example/cb"},
		GrantTypes: []string{authcore.GrantAuthorizationCode}, Scopes: []string{"openid", "profile", "email"}}))
	for name, desc := range map[string]string{"openid": "Know who you are",
		"profile": "See your name and username", "email": "See your email address"} {
		must(t, st.CreateScope(ctx, authcore.Scope{Name: name, Description: desc}))
	}
	e.alice, err = e.m.CreateUser(ctx, UserSpec{Username: "Alice", Email: "alice@example.com",
		DisplayName: "Alice Liddell", Password: alicePassword})
	must(t, err)
	mux := http.NewServeMux()
	e.m.Mount(mux)
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := e.m.Session(r); !ok {
			e.m.RedirectToLogin(w, r, r.URL.RequestURI())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see every 303.
func (e *env) browser() *http.Client { return testsupport.NewClient() }

// get fetches path and returns the response and its body.
func (e *env) get(c *http.Client, path string) (*http.Response, string) {
	e.t.Helper()
	resp, err := c.Get(e.srv.URL + path)
	must(e.t, err)
	return resp, readBody(e.t, resp)
}

// post submits a form to path.
func (e *env) post(c *http.Client, path string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	resp, err := c.PostForm(e.srv.URL+path, form)
	must(e.t, err)
	return resp, readBody(e.t, resp)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	must(t, err)
	return string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([A-Za-z0-9_-]+)"`)

// csrfFrom extracts the CSRF token from a page.
func csrfFrom(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", body)
	}
	return m[1]
}

// login signs alice in on c through the form and returns the session
// cookie value.
func (e *env) login(c *http.Client, returnTo string) string {
	e.t.Helper()
	_, body := e.get(c, loginURL(returnTo))
	resp, body := e.post(c, "/login", url.Values{"csrf_token": {csrfFrom(e.t, body)},
		"return_to": {returnTo}, "username": {"alice"}, "password": {alicePassword}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login: status %d, body:\n%s", resp.StatusCode, body)
	}
	return e.cookie(c, sessionCookie)
}

// cookie returns the value of the named cookie in c's jar.
func (e *env) cookie(c *http.Client, base string) string {
	u, _ := url.Parse(e.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == e.m.cookieName(base) {
			return ck.Value
		}
	}
	return ""
}

// contains fails the test unless body contains every want.
func contains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// sessionOf returns the live session c's cookie names, if any.
func (e *env) sessionOf(c *http.Client) (authcore.Session, bool) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	u, _ := url.Parse(e.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		r.AddCookie(ck)
	}
	return e.m.Session(r)
}
