package oidc_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// clock is a settable clock shared by every service of the server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// events keeps audit events.
type events struct {
	mu  sync.Mutex
	all []audit.Event
}

func (e *events) Record(_ context.Context, ev audit.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

func (e *events) of(t audit.Type) []audit.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []audit.Event
	for _, ev := range e.all {
		if ev.Type == t {
			out = append(out, ev)
		}
	}
	return out
}

// env is the real server on a loopback listener whose URL is the issuer,
// over an in-memory Badger store.
type env struct {
	t      *testing.T
	srv    *server.Server
	issuer string
	clock  *clock
	ev     *events
}

func start(t *testing.T) *env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, issuer: "http://" + ln.Addr().String(), clock: &clock{now: time.Now().Truncate(time.Second)}, ev: &events{}}
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.srv, err = server.New(context.Background(), server.Config{Issuer: e.issuer, Store: st,
		Logger: zerolog.Nop(), Now: e.clock.Now, Audit: e.ev})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(server.Middleware(zerolog.Nop(), e.srv.Handler()))
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	t.Cleanup(e.srv.OIDC.Close)
	return e
}

// rp is a registered relying party.
type rp struct {
	client authcore.Client
	cfg    oauth2.Config
}

func (e *env) rp(spec oauth.ClientSpec, scopes ...string) rp {
	e.t.Helper()
	c, secret, err := e.srv.OAuth.CreateClient(context.Background(), spec)
	if err != nil {
		e.t.Fatal(err)
	}
	return rp{client: c, cfg: oauth2.Config{ClientID: c.ID, ClientSecret: secret, RedirectURL: spec.RedirectURIs[0],
		Scopes: scopes, Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize",
			TokenURL: e.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}}
}

func (e *env) user(name, email string) authcore.User {
	e.t.Helper()
	u, err := e.srv.Login.CreateUser(context.Background(), login.UserSpec{Username: name, Email: email,
		DisplayName: "Alice Liddell", Password: "wonderland-42"})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// browser keeps cookies and does not follow redirects.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(u string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) postForm(u string, v url.Values) (*http.Response, string) {
	req, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var prefillRE = regexp.MustCompile(`name="username" type="text" value="([^"]*)"`)

var hiddenRE = regexp.MustCompile(`name="([a-z_]+)" value="([^"]*)"`)

func hidden(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	if v.Get("csrf_token") == "" {
		t.Fatalf("no CSRF field in page:\n%s", body)
	}
	return v
}

// signIn follows authURL through the real login and consent pages as a
// browser would and returns the redirect the client receives. It
// reports the login page's prefilled username.
func signIn(t *testing.T, b *browser, issuer, authURL, user string) (*url.URL, string) {
	t.Helper()
	prefill := ""
	resp, body := b.get(authURL)
	for hops := 0; hops < 8; hops++ {
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("unexpected %d at hop %d:\n%s", resp.StatusCode, hops, body)
		}
		loc, _ := resp.Location()
		if !strings.HasPrefix(loc.String(), issuer) {
			return loc, prefill
		}
		resp, body = b.get(loc.String())
		switch {
		case strings.HasPrefix(loc.Path, "/login") && resp.StatusCode == 200:
			form := hidden(t, body)
			if m := prefillRE.FindStringSubmatch(body); m != nil {
				prefill = html.UnescapeString(m[1])
			}
			form.Set("username", user)
			form.Set("password", "wonderland-42")
			resp, body = b.postForm(issuer+"/login", form)
		case strings.HasPrefix(loc.Path, "/consent") && resp.StatusCode == 200:
			form := hidden(t, body)
			form.Set("decision", "allow")
			resp, body = b.postForm(issuer+"/consent", form)
		}
	}
	t.Fatal("too many redirects")
	return nil, ""
}

// payload decodes a JWT's claims and header without verifying them.
func payload(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", tok)
	}
	for i, into := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, into) != nil {
			t.Fatalf("bad segment %d of %q", i, tok)
		}
	}
	return header, claims
}
