package flow

import (
	"context"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// latchkey is a real Latchkey server on a free loopback port, with a user
// and three clients.
type latchkey struct {
	t      *testing.T
	issuer string
	srv    *server.Server
	native authcore.Client // public, loopback redirect, code + refresh
	web    authcore.Client // confidential, code + refresh
	webKey string
	svc    authcore.Client // confidential, client_credentials
	svcKey string
	logins int
}

const (
	aliceName     = "alice"
	alicePassword = "correct horse battery staple"
)

func newLatchkey(t *testing.T) *latchkey { return newLatchkeyAt(t, "127.0.0.1") }

// newLatchkeyAt starts the server with host in its issuer ("localhost"
// for a second server that plays an external provider, so the two keep
// apart as browsers and cookies see them).
func newLatchkeyAt(t *testing.T, host string) *latchkey {
	t.Helper()
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	store, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv, err := server.New(ctx, server.Config{Issuer: issuer, Store: store, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(server.Middleware(zerolog.Nop(), srv.Handler()))
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	lk := &latchkey{t: t, issuer: issuer, srv: srv}
	if _, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: aliceName, Password: alicePassword}); err != nil {
		t.Fatal(err)
	}
	user := []string{"openid", "profile", "offline_access", "orders:read"}
	loopback := []string{"http://127.0.0.1/callback"}
	if lk.native, _, err = srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Flow tester (native)",
		Type: authcore.Public, RedirectURIs: loopback, Scopes: user}); err != nil {
		t.Fatal(err)
	}
	if lk.web, lk.webKey, err = srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Flow tester (web)",
		RedirectURIs: loopback, Scopes: user}); err != nil {
		t.Fatal(err)
	}
	if lk.svc, lk.svcKey, err = srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Flow tester (service)",
		GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"profile", "orders:read"}}); err != nil {
		t.Fatal(err)
	}
	return lk
}

// run runs a flow against the server, signing alice in through the real
// login and consent pages whenever the flow opens a browser.
func (lk *latchkey) run(o Options) (*Trace, error) {
	lk.t.Helper()
	o.Issuer = lk.issuer
	o.OpenBrowser = lk.browse
	o.Timeout = 30 * time.Second
	tr, err := Run(context.Background(), o)
	if tr == nil {
		lk.t.Fatalf("no trace: %v", err)
	}
	return tr, err
}

var hiddenField = regexp.MustCompile(`name="(csrf_token|return_to)" value="([^"]*)"`)

// browse is the system browser with a person at it: it follows the
// authorization URL through 303s, fills the login form (its CSRF token
// parsed from the hidden field), allows on the consent page, and stops
// once the loopback listener has answered.
func (lk *latchkey) browse(start string) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next, method, form := start, http.MethodGet, url.Values(nil)
	for hop := 0; hop < 12; hop++ {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, next, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		here := req.URL
		if !strings.HasPrefix(here.String(), lk.issuer) { // the loopback listener
			if resp.StatusCode != http.StatusOK {
				return errors.New("loopback answered " + resp.Status)
			}
			return nil
		}
		method, form = http.MethodGet, nil
		switch {
		case resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusFound:
			loc, err := here.Parse(resp.Header.Get("Location"))
			if err != nil {
				return err
			}
			next = loc.String()
		case resp.StatusCode == http.StatusOK && strings.Contains(page, `name="password"`):
			form = hiddenValues(page)
			form.Set("username", aliceName)
			form.Set("password", alicePassword)
			next, method = lk.issuer+"/login", http.MethodPost
			lk.logins++
		case resp.StatusCode == http.StatusOK && strings.Contains(page, `name="decision" value="allow"`):
			form = hiddenValues(page)
			form.Set("decision", "allow")
			next, method = lk.issuer+"/consent", http.MethodPost
		default:
			return errors.New("browser stuck at " + here.Path + ": " + resp.Status + "\n" + page)
		}
	}
	return errors.New("browser: too many hops")
}

// hiddenValues reads the CSRF token and return address of a page's form.
func hiddenValues(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		if v.Get(m[1]) == "" {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return v
}
