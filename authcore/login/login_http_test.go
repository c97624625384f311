package login

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/audit"
)

func TestLoginPageShowsLabelledFields(t *testing.T) {
	e := newEnv(t)
	resp, body := e.get(e.browser(), loginURL(testReturn))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	contains(t, body,
		`<label for="username">Username</label>`, `id="username" name="username"`,
		`<label for="password">Password</label>`, `id="password" name="password" type="password"`,
		`<button type="submit" class="primary">Sign in</button>`,
		`Acme Dashboard`, `Latchkey`)
	if got := hiddenValue(t, body, "return_to"); got != testReturn {
		t.Errorf("return_to field = %q", got)
	}
}

// hiddenValue is the decoded value of the hidden input name.
func hiddenValue(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no field %s", name)
	}
	return html.UnescapeString(m[1])
}

func TestLoginFlow(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	// /authorize without a session sends the browser to the login page.
	resp, _ := e.get(c, testReturn)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loginURL(testReturn) {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := e.get(c, resp.Header.Get("Location"))
	csrf := csrfFrom(t, body)
	resp, body = e.post(c, "/login", url.Values{"csrf_token": {csrf}, "return_to": {testReturn},
		"username": {"alice"}, "password": {alicePassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != testReturn {
		t.Fatalf("login: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.MaxAge != 8*3600 {
		t.Fatalf("session cookie %+v", sc)
	}
	if e.cookie(c, csrfCookie) == csrf {
		t.Error("CSRF token not rotated at login")
	}
	if resp, _ := e.get(c, testReturn); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("authorize after login: %d", resp.StatusCode)
	}
	s, err := e.store.GetSession(context.Background(), sessionID(sc.Value))
	if err != nil || s.UserID != e.alice.ID || s.ID == sc.Value {
		t.Fatalf("stored session %+v, %v", s, err)
	}
	if ev := e.rec.Of(audit.LoginSucceeded); len(ev) != 1 || ev[0].RemoteIP != "127.0.0.1" || ev[0].ClientID != "c1" {
		t.Fatalf("events %s", e.rec.String())
	}
}

func TestLoginFailureIsGeneric(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bob, _ := e.m.CreateUser(ctx, UserSpec{Username: "bob", Password: "bob's password"})
	must(t, e.m.SetDisabled(ctx, bob.ID, true))
	cases := map[string][2]string{
		"unknown":  {"mallory", alicePassword},
		"bad":      {"alice", "wrong password"},
		"disabled": {"bob", "bob's password"},
	}
	for name, cred := range cases {
		c := e.browser()
		_, body := e.get(c, loginURL(testReturn))
		resp, body := e.post(c, "/login", url.Values{"csrf_token": {csrfFrom(t, body)},
			"return_to": {testReturn}, "username": {cred[0]}, "password": {cred[1]}})
		if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || e.cookie(c, sessionCookie) != "" {
			t.Fatalf("%s: status %d, signed in %q", name, resp.StatusCode, e.cookie(c, sessionCookie))
		}
		contains(t, body, "Invalid username or password.")
		for _, leak := range []string{"locked", "disabled", "unknown", cred[1]} {
			if strings.Contains(strings.ToLower(body), leak) {
				t.Errorf("%s: page reveals %q", name, leak)
			}
		}
	}
}

func TestCSRFRequired(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	_, body := e.get(c, loginURL(testReturn))
	good := csrfFrom(t, body)
	creds := url.Values{"return_to": {testReturn}, "username": {"alice"}, "password": {alicePassword}}
	for name, form := range map[string]url.Values{
		"missing":    creds,
		"mismatched": with(creds, "csrf_token", strings.Repeat("A", len(good))),
		"short":      with(creds, "csrf_token", good[:10]),
		"duplicated": {"csrf_token": {good, good}, "return_to": {testReturn}, "username": {"alice"}, "password": {alicePassword}},
	} {
		for _, path := range []string{"/login", "/logout", "/consent"} {
			resp, _ := e.post(c, path, form)
			if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
				t.Errorf("%s %s: status %d", name, path, resp.StatusCode)
			}
		}
	}
	// A token from the page is useless without the cookie (another browser).
	resp, _ := e.post(e.browser(), "/login", with(creds, "csrf_token", good))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cookie-less POST: %d", resp.StatusCode)
	}
	if len(e.rec.Of(audit.LoginFailed))+len(e.rec.Of(audit.LoginSucceeded)) != 0 {
		t.Error("a CSRF failure reached Authenticate")
	}
}

func with(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for key, vals := range v {
		out[key] = vals
	}
	out.Set(k, val)
	return out
}

func TestSessionFixation(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	u, _ := url.Parse(e.srv.URL)
	planted := strings.Repeat("A", 43) // a well-formed value an attacker chose
	c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: planted, Path: "/"}})
	first := e.login(c, testReturn)
	if first == planted || first == "" {
		t.Fatalf("session id not replaced: %q", first)
	}
	second := e.login(c, testReturn)
	if second == first {
		t.Fatal("a second login kept the session id")
	}
	if _, err := e.store.GetSession(context.Background(), sessionID(first)); err == nil {
		t.Fatal("the replaced session is still stored")
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	value := e.login(c, testReturn)
	_, body := e.get(c, "/login")
	contains(t, body, "You are signed in as alice.", ">Sign out</button>")
	resp, _ := e.post(c, "/logout", url.Values{"csrf_token": {csrfFrom(t, body)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := e.store.GetSession(context.Background(), sessionID(value)); err == nil {
		t.Fatal("session still stored after logout")
	}
	if e.cookie(c, sessionCookie) != "" {
		t.Fatal("session cookie not cleared")
	}
	if ev := e.rec.Of(audit.SessionEnded); len(ev) != 1 || ev[0].Reason != "logout" || ev[0].Subject != e.alice.ID {
		t.Fatalf("events %s", e.rec.String())
	}
}

func TestLogoutComesBackToLogin(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	body := e.consentPage(c, testReturn) // "Not you? Use another account"
	resp, _ := e.post(c, "/logout", url.Values{"csrf_token": {csrfFrom(t, body)}, "return_to": {testReturn}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loginURL(testReturn) {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, ok := e.m.Session(requestWithCookies(t, e, c)); ok {
		t.Fatal("still signed in")
	}
}

// requestWithCookies is a request to the test server carrying c's cookies.
func requestWithCookies(t *testing.T, e *env, c *http.Client) *http.Request {
	r, err := http.NewRequest("GET", e.srv.URL+"/", nil)
	must(t, err)
	for _, ck := range c.Jar.Cookies(r.URL) {
		r.AddCookie(ck)
	}
	return r
}

func TestSecureCookies(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SecureCookies = true })
	resp, _ := e.get(e.browser(), loginURL(testReturn))
	sc := resp.Header.Get("Set-Cookie")
	if !regexp.MustCompile(`^__Host-latchkey-csrf=[\w-]{43}; Path=/; HttpOnly; Secure; SameSite=Lax$`).MatchString(sc) {
		t.Fatalf("Set-Cookie %q", sc)
	}
}
