package login

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/passkey"
	"github.com/latchkey/latchkey/authcore/passkey/passkeytest"
)

const (
	pkIssuer = "http://localhost:8080"
	pkRPID   = "localhost"
)

// newPasskeyEnv is newEnv with passkeys on for pkIssuer.
func newPasskeyEnv(t *testing.T) *env {
	return newEnv(t, func(c *Config) {
		rp, err := passkey.New(passkey.Config{Issuer: pkIssuer, Now: c.Now})
		must(t, err)
		c.Passkeys = rp
	})
}

// postJSON posts a form to a script endpoint and decodes the answer.
func (e *env) postJSON(c *http.Client, path string, form url.Values) (int, map[string]json.RawMessage) {
	e.t.Helper()
	resp, body := e.post(c, path, form)
	var out map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		e.t.Fatalf("%s: %d, not JSON: %q", path, resp.StatusCode, body)
	}
	return resp.StatusCode, out
}

// addPasskey registers a's credential for alice on the account page of
// c, which is freshly signed in.
func (e *env) addPasskey(c *http.Client, a *passkeytest.Authenticator, name string) (int, map[string]json.RawMessage) {
	e.t.Helper()
	csrf := csrfFrom(e.t, e.accountPage(c))
	status, out := e.postJSON(c, "/account/passkeys/options", url.Values{"csrf_token": {csrf}})
	if status != http.StatusOK {
		e.t.Fatalf("registration options: %d %s", status, out["error"])
	}
	return e.postJSON(c, "/account/passkeys", url.Values{"csrf_token": {csrf}, "name": {name},
		"credential": {string(a.Create(out["options"], []byte(e.alice.ID)))}})
}

// passkeySignIn signs in on a new browser with answer's reply to the
// options of a passwordless sign-in.
func (e *env) passkeySignIn(returnTo string, answer func(options []byte) []byte) (*http.Client, int, map[string]json.RawMessage) {
	e.t.Helper()
	c := e.browser()
	_, body := e.get(c, loginURL(returnTo))
	csrf := csrfFrom(e.t, body)
	status, out := e.postJSON(c, "/login/passkey/options", url.Values{"csrf_token": {csrf}})
	if status != http.StatusOK {
		e.t.Fatalf("sign-in options: %d %s", status, out["error"])
	}
	status, out = e.postJSON(c, "/login/passkey", url.Values{"csrf_token": {csrf}, "return_to": {returnTo},
		"credential": {string(answer(out["options"]))}})
	return c, status, out
}

func TestPasskeyRegisterSignInRemove(t *testing.T) {
	e := newPasskeyEnv(t)
	ctx := context.Background()
	c := e.browser()
	e.login(c, accountPath)
	a := passkeytest.New(t, pkRPID, pkIssuer)
	if status, out := e.addPasskey(c, a, "Work laptop"); status != http.StatusOK || string(out["redirect"]) != `"/account?done=passkey-added"` {
		t.Fatalf("add passkey: %d %s", status, out)
	}
	keys, err := e.m.listPasskeys(ctx, e.alice.ID)
	must(t, err)
	if len(keys) != 1 || keys[0].Name != "Work laptop" || keys[0].UserID != e.alice.ID {
		t.Fatalf("stored passkeys %+v", keys)
	}
	if ev, ok := e.rec.Last(audit.PasskeyRegistered); !ok || ev.Subject != e.alice.ID || ev.Details["passkey"] != keys[0].ID {
		t.Errorf("passkey.registered: %+v", ev)
	}
	contains(t, e.accountPage(c), "Work laptop", "never used")

	// Passwordless: a new browser, no username, back to the authorization.
	signedIn, status, out := e.passkeySignIn(testReturn, a.Get)
	if status != http.StatusOK {
		t.Fatalf("passwordless sign-in: %d %s", status, out["error"])
	}
	var to string
	must(t, json.Unmarshal(out["redirect"], &to))
	if to != testReturn {
		t.Fatalf("redirect %q, want %q", to, testReturn)
	}
	s, ok := e.sessionOf(signedIn)
	if !ok || s.UserID != e.alice.ID || s.ACR != authcore.ACRPhishingResistant || !slices.Equal(s.AMR, []string{"hwk", "user"}) {
		t.Fatalf("session %+v", s)
	}
	keys, _ = e.m.listPasskeys(ctx, e.alice.ID)
	if keys[0].SignCount != a.Count || !keys[0].LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("after use: %+v", keys[0])
	}
	if ev, ok := e.rec.Last(audit.LoginSucceeded); !ok || ev.Details["method"] != "passkey" || ev.ClientID != "c1" {
		t.Errorf("login.succeeded: %+v", ev)
	}

	// Remove it: it signs nobody in any more.
	page := e.accountPage(c)
	resp, _ := e.post(c, "/account/passkeys/remove", url.Values{"csrf_token": {csrfFrom(t, page)}, "id": {keys[0].ID}})
	if resp.Header.Get("Location") != accountPath+"?done=passkey-removed" {
		t.Fatalf("remove: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ev, ok := e.rec.Last(audit.PasskeyRemoved); !ok || ev.Details["passkey"] != keys[0].ID {
		t.Errorf("passkey.removed: %+v", ev)
	}
	if _, status, _ := e.passkeySignIn("", a.Get); status != http.StatusBadRequest {
		t.Fatalf("a removed passkey signed in: %d", status)
	}
}

func TestPasskeySignInRefusals(t *testing.T) {
	e := newPasskeyEnv(t)
	c := e.browser()
	e.login(c, accountPath)
	a := passkeytest.New(t, pkRPID, pkIssuer)
	if status, _ := e.addPasskey(c, a, "Laptop"); status != http.StatusOK {
		t.Fatal("add passkey")
	}
	a.Count = 10
	if _, status, _ := e.passkeySignIn("", a.Get); status != http.StatusOK {
		t.Fatal("first sign-in")
	}
	tests := []struct {
		name   string
		answer func([]byte) []byte
		event  audit.Type
		reason string
		named  bool // the event names alice (the credential is hers)
	}{
		{"counter went backwards", func(o []byte) []byte { a.Count = 3; return a.Sign(o) }, audit.PasskeyCloneSuspected, "counter_not_advanced", true},
		{"another authenticator", func(o []byte) []byte {
			b := passkeytest.New(t, pkRPID, pkIssuer)
			b.User = []byte(e.alice.ID)
			return b.Get(o)
		}, audit.PasskeyFailed, "unknown_credential", false},
		{"wrong RP ID", func(o []byte) []byte {
			a.RPID = "evil.example"
			defer func() { a.RPID = pkRPID }()
			a.Count = 20
			return a.Sign(o)
		}, audit.PasskeyFailed, "verification_failed", true},
		{"wrong origin", func(o []byte) []byte {
			a.Origin = "http://localhost:9999"
			defer func() { a.Origin = pkIssuer }()
			a.Count = 21
			return a.Sign(o)
		}, audit.PasskeyFailed, "verification_failed", true},
		{"no user verification", func(o []byte) []byte { a.UV = false; defer func() { a.UV = true }(); a.Count = 22; return a.Sign(o) }, audit.PasskeyFailed, "verification_failed", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.rec.Reset()
			signedIn, status, out := e.passkeySignIn("", tc.answer)
			if status != http.StatusBadRequest || !strings.Contains(string(out["error"]), "not accepted") {
				t.Fatalf("%d %s, want 400", status, out)
			}
			if _, ok := e.sessionOf(signedIn); ok {
				t.Fatal("a session was started")
			}
			ev, ok := e.rec.Last(tc.event)
			if !ok || ev.Reason != tc.reason || ev.Outcome != audit.Failure {
				t.Errorf("%s: %+v (events: %s)", tc.event, ev, e.rec)
			}
			if named := ev.Subject == e.alice.ID && ev.Details["passkey"] != nil; named != tc.named {
				t.Errorf("%s names alice and her passkey: %v, want %v (%+v)", tc.event, named, tc.named, ev)
			}
		})
	}
}

// TestPasskeyChallengeIsUsedOnce replays a ceremony's cookie with a
// second, valid answer: the challenge is gone.
func TestPasskeyChallengeIsUsedOnce(t *testing.T) {
	e := newPasskeyEnv(t)
	c := e.browser()
	e.login(c, accountPath)
	a := passkeytest.New(t, pkRPID, pkIssuer)
	e.addPasskey(c, a, "Laptop")
	b := e.browser()
	_, body := e.get(b, "/login")
	csrf := csrfFrom(t, body)
	_, out := e.postJSON(b, "/login/passkey/options", url.Values{"csrf_token": {csrf}})
	u, _ := url.Parse(e.srv.URL)
	saved := b.Jar.Cookies(u)
	form := url.Values{"csrf_token": {csrf}, "credential": {string(a.Get(out["options"]))}}
	if status, _ := e.postJSON(b, "/login/passkey", form); status != http.StatusOK {
		t.Fatalf("first answer: %d", status)
	}
	b2 := e.browser()
	b2.Jar.SetCookies(u, saved)
	form.Set("credential", string(a.Get(out["options"])))
	if status, out := e.postJSON(b2, "/login/passkey", form); status != http.StatusBadRequest || !strings.Contains(string(out["error"]), "expired") {
		t.Fatalf("replayed ceremony: %d %s", status, out)
	}
}

func TestPasskeyRegistrationNeedsRecentSignIn(t *testing.T) {
	e := newPasskeyEnv(t)
	c := e.browser()
	e.login(c, accountPath)
	csrf := csrfFrom(t, e.accountPage(c))
	e.clock.Advance(ReauthWindow)
	status, out := e.postJSON(c, "/account/passkeys/options", url.Values{"csrf_token": {csrf}})
	if status != http.StatusUnauthorized || string(out["redirect"]) != `"`+strings.ReplaceAll(reauthURL, "&", `\u0026`)+`"` {
		t.Fatalf("stale registration: %d %s", status, out)
	}
	// Another user's passkey cannot be removed by its ID.
	e.login(c, accountPath)
	must(t, e.store.CreateFactor(context.Background(), authcore.Passkey{ID: "bobs", UserID: "u-bob", PublicKey: []byte{1}}.Factor()))
	resp, _ := e.post(c, "/account/passkeys/remove", url.Values{"csrf_token": {csrfFrom(t, e.accountPage(c))}, "id": {"bobs"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("removing bob's passkey: %d, want 400", resp.StatusCode)
	}
}

var nonceRE = regexp.MustCompile(`<script nonce="([A-Za-z0-9_-]+)" src="/login/passkey.js" defer></script>`)

// TestPasskeyPagesScriptPolicy: the pages load passkey.js (the account
// page also account-live.js) by a fresh CSP nonce, and the login page
// carries no script at all when passkeys are off.
func TestPasskeyPagesScriptPolicy(t *testing.T) {
	e := newPasskeyEnv(t)
	c := e.browser()
	for _, path := range []string{"/login?return_to=" + url.QueryEscape(testReturn), accountPath} {
		if path == accountPath {
			e.login(c, accountPath)
		}
		resp, body := e.get(c, path)
		m := nonceRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no script tag:\n%s", path, body)
		}
		policy := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(policy, "script-src 'nonce-"+m[1]+"'") || strings.Contains(policy, "unsafe-inline") {
			t.Errorf("%s: policy %q does not allow exactly nonce %s", path, policy, m[1])
		}
		want := 1
		if path == accountPath { // and account-live.js, by the same nonce (account_ciba.go)
			want = 2
			if !strings.Contains(body, `<script nonce="`+m[1]+`" src="/login/account-live.js" defer></script>`) {
				t.Errorf("%s: account-live.js not loaded by the page's nonce", path)
			}
		}
		if strings.Count(body, "<script") != want {
			t.Errorf("%s: %d scripts, want %d", path, strings.Count(body, "<script"), want)
		}
	}
	resp, body := e.get(c, "/login/passkey.js")
	if resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || !strings.Contains(body, "navigator.credentials") {
		t.Errorf("passkey.js: %q", resp.Header.Get("Content-Type"))
	}

	off := newEnv(t)
	resp, body = off.get(off.browser(), "/login")
	if strings.Contains(body, "<script") || strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src") ||
		strings.Contains(body, "Sign in with a passkey") {
		t.Error("passkeys off, yet the login page has a script or the passkey button")
	}
	status, _ := off.postJSON(off.browser(), "/login/passkey/options", url.Values{})
	if status != http.StatusNotFound {
		t.Errorf("passkeys off: options %d, want 404", status)
	}
}
