package server_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

var (
	secretRE   = regexp.MustCompile(`aria-label="Authenticator key">([A-Z2-7]+)<`)
	factorIDRE = regexp.MustCompile(`name="factor_id" value="([^"]+)"`)
	codesRE    = regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`)
)

// mfaEnv is a real server on an injected clock with one OIDC client.
type mfaEnv struct {
	t      *testing.T
	srv    *server.Server
	issuer string
	clk    *testsupport.Clock
	events *testsupport.Events
	cfg    oauth2.Config
	pkce   string // the code verifier of every request
}

func newMFAEnv(t *testing.T) *mfaEnv {
	e := &mfaEnv{t: t, pkce: oauth2.GenerateVerifier(), clk: testsupport.NewClock(time.Now().Truncate(time.Second)), events: &testsupport.Events{}}
	e.srv, e.issuer = servertest.Start(t, func(c *server.Config) { c.Now, c.Audit = e.clk.Now, e.events })
	redirect := "http://127.0.0.1:9/callback"
	client, secret, err := e.srv.OAuth.CreateClient(context.Background(), oauth.ClientSpec{Name: "Shop",
		Type: authcore.Confidential, RedirectURIs: []string{redirect},
		GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid", "profile"}})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = oauth2.Config{ClientID: client.ID, ClientSecret: secret, RedirectURL: redirect,
		Scopes:   []string{"openid", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	return e
}

func (e *mfaEnv) user(name string) authcore.User {
	u, err := e.srv.Login.CreateUser(context.Background(), login.UserSpec{Username: name, Password: name + "-password-1"})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// code is the authenticator app's code for secret at the clock's time.
func (e *mfaEnv) code(secret string) string {
	c, err := totp.GenerateCodeCustom(secret, e.clk.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// authURL is an authorization request with extra parameters.
func (e *mfaEnv) authURL(extra ...string) string {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(e.pkce)}
	for i := 0; i+1 < len(extra); i += 2 {
		opts = append(opts, oauth2.SetAuthURLParam(extra[i], extra[i+1]))
	}
	return e.cfg.AuthCodeURL("st", opts...)
}

// password walks from authURL through the login page and posts the
// password; it returns where the server sent the browser next.
func (e *mfaEnv) password(b *testsupport.Browser, authURL, username string) *url.URL {
	e.t.Helper()
	resp, _ := b.Get(authURL)
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || loc.Path != "/login" {
		e.t.Fatalf("authorize: %d %v, want 303 to /login", resp.StatusCode, loc)
	}
	_, page := b.Get(loc.String())
	form := testsupport.Hidden(e.t, page)
	form.Set("username", username)
	form.Set("password", username+"-password-1")
	resp, page = b.PostForm(e.issuer+"/login", form)
	next, err := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		e.t.Fatalf("login: %d\n%s", resp.StatusCode, page)
	}
	return next
}

// mfaPage opens the second-factor page (which must be where the password
// led) and returns its body.
func (e *mfaEnv) mfaPage(b *testsupport.Browser, next *url.URL) string {
	e.t.Helper()
	if next.Path != "/login/mfa" {
		e.t.Fatalf("after the password: %s, want /login/mfa", next)
	}
	resp, page := b.Get(e.abs(next))
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("second-factor page: %d\n%s", resp.StatusCode, page)
	}
	return page
}

// submit posts a code of kind on the second-factor page.
func (e *mfaEnv) submit(b *testsupport.Browser, page, kind, code string) (*http.Response, string) {
	form := testsupport.Hidden(e.t, page)
	form.Set("kind", kind)
	form.Set("code", code)
	return b.PostForm(e.issuer+"/login/mfa", form)
}

// finish follows a 303 back to /authorize through consent to the client
// and redeems the code; it returns the token.
func (e *mfaEnv) finish(b *testsupport.Browser, resp *http.Response, body string) *oauth2.Token {
	e.t.Helper()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.Path, "/authorize") {
		e.t.Fatalf("want 303 back to /authorize, got %d %v\n%s", resp.StatusCode, loc, body)
	}
	return e.redeem(b.SignIn(e.issuer, e.abs(loc), "", "").Redirect)
}

// abs is u on the issuer when it is relative.
func (e *mfaEnv) abs(u *url.URL) string {
	if u.IsAbs() {
		return u.String()
	}
	return e.issuer + u.String()
}

func (e *mfaEnv) redeem(back *url.URL) *oauth2.Token {
	e.t.Helper()
	tok, err := e.cfg.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(e.pkce))
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	return tok
}

// idClaims decodes the ID token of tok.
func (e *mfaEnv) idClaims(tok *oauth2.Token) map[string]any {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		e.t.Fatal("no ID token")
	}
	_, c := testsupport.DecodeJWT(e.t, raw)
	return c
}

// wantAuth checks an ID token's acr and that its amr holds every method.
func (e *mfaEnv) wantAuth(c map[string]any, acr string, amr ...string) {
	e.t.Helper()
	var got []string
	list, _ := c["amr"].([]any)
	for _, v := range list {
		s, _ := v.(string)
		got = append(got, s)
	}
	for _, m := range amr {
		if !slices.Contains(got, m) {
			e.t.Errorf("amr %v lacks %q", got, m)
		}
	}
	if c["acr"] != acr {
		e.t.Errorf("acr %v, want %s", c["acr"], acr)
	}
	if _, ok := c["auth_time"].(float64); !ok {
		e.t.Errorf("no auth_time in %v", c)
	}
}

// enroll walks the enrollment that follows the password for a user who
// must use a second factor; it returns the key and the recovery codes,
// and the token of the authorization it completes.
func (e *mfaEnv) enroll(b *testsupport.Browser, username string) (string, []string, *oauth2.Token) {
	e.t.Helper()
	page := e.mfaPage(b, e.password(b, e.authURL(), username))
	m, id := secretRE.FindStringSubmatch(page), factorIDRE.FindStringSubmatch(page)
	if m == nil || id == nil || !strings.Contains(page, `src="data:image/png;base64,`) {
		e.t.Fatalf("enrollment page lacks the key, the factor or the QR code:\n%s", page)
	}
	form := testsupport.Hidden(e.t, page)
	form.Set("factor_id", html.UnescapeString(id[1]))
	form.Set("code", "000000")
	if _, again := b.PostForm(e.issuer+"/login/mfa/enroll", form); !strings.Contains(again, "did not match") {
		e.t.Fatalf("a wrong first code was accepted:\n%s", again)
	}
	// The refused attempt showed a new key: enroll that one.
	page = e.mfaPage(b, &url.URL{Path: "/login/mfa", RawQuery: url.Values{"return_to": {form.Get("return_to")}}.Encode()})
	m, id = secretRE.FindStringSubmatch(page), factorIDRE.FindStringSubmatch(page)
	form = testsupport.Hidden(e.t, page)
	form.Set("factor_id", html.UnescapeString(id[1]))
	form.Set("code", e.code(m[1]))
	resp, codesPage := b.PostForm(e.issuer+"/login/mfa/enroll", form)
	var codes []string
	for _, c := range codesRE.FindAllStringSubmatch(codesPage, -1) {
		codes = append(codes, c[1])
	}
	if resp.StatusCode != http.StatusOK || len(codes) != 10 {
		e.t.Fatalf("after enrollment: %d, %d recovery codes\n%s", resp.StatusCode, len(codes), codesPage)
	}
	back := b.SignIn(e.issuer, e.issuer+form.Get("return_to"), "", "").Redirect
	return m[1], codes, e.redeem(back)
}

// TestTOTPEndToEnd: through the real pages, a user who must use a second
// factor enrolls an authenticator app at the first sign-in (QR code, key,
// first code), signs in again with a code, cannot replay a code, locks
// the account with wrong codes, and signs in once with a recovery code.
func TestTOTPEndToEnd(t *testing.T) {
	e := newMFAEnv(t)
	ctx := context.Background()
	u := e.user("alice")
	if err := e.srv.Login.SetRequireMFA(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	secret, codes, tok := e.enroll(testsupport.NewBrowser(t), "alice")
	e.wantAuth(e.idClaims(tok), authcore.ACRMFA, "pwd", "otp", "mfa")
	if _, ok := e.events.Last(audit.MFAEnrolled); !ok {
		t.Error("no mfa.enrolled event")
	}
	for _, f := range mustFactors(t, e.srv, u.ID) {
		if f.Kind == authcore.FactorTOTP && !f.Confirmed {
			t.Errorf("unconfirmed factor left behind: %+v", f)
		}
	}

	// The enrollment's code is spent: the same step is refused.
	b := testsupport.NewBrowser(t)
	page := e.mfaPage(b, e.password(b, e.authURL(), "alice"))
	if strings.Contains(page, `name="password"`) || !strings.Contains(page, `value="totp"`) {
		t.Fatalf("second-factor page:\n%s", page)
	}
	// Half-way (password, no code yet) is not signed in.
	if resp, _ := b.Get(e.authURL()); resp.Header.Get("Location") == "" || !strings.Contains(resp.Header.Get("Location"), "/login?") {
		t.Fatalf("a pending sign-in passed for a session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, again := e.submit(b, page, "totp", e.code(secret)); !strings.Contains(again, "not valid") {
		t.Fatalf("a replayed code was accepted:\n%s", again)
	}
	e.clk.Advance(30 * time.Second)
	resp, body := e.submit(b, page, "totp", e.code(secret))
	e.wantAuth(e.idClaims(e.finish(b, resp, body)), authcore.ACRMFA, "pwd", "otp", "mfa")

	// Replay of that code in another browser: refused.
	b2 := testsupport.NewBrowser(t)
	page2 := e.mfaPage(b2, e.password(b2, e.authURL(), "alice"))
	if _, again := e.submit(b2, page2, "totp", e.code(secret)); !strings.Contains(again, "not valid") {
		t.Fatal("a code was accepted twice")
	}
	// Wrong codes lock the account (the replay above counted too); then
	// even the right code and the right password fail.
	for i := 0; i < login.DefaultLockoutThreshold-1; i++ {
		e.submit(b2, page2, "totp", "123456")
	}
	e.clk.Advance(30 * time.Second)
	if _, again := e.submit(b2, page2, "totp", e.code(secret)); !strings.Contains(again, "not valid") {
		t.Fatal("the right code got through a locked account")
	}
	if cur, _ := e.srv.Store.GetUser(ctx, u.ID); !cur.Locked(e.clk.Now()) {
		t.Fatal("wrong second factors did not lock the account")
	}
	if n := len(e.events.Of(audit.MFAFailed)); n < login.DefaultLockoutThreshold {
		t.Errorf("%d mfa.failed events, want at least %d", n, login.DefaultLockoutThreshold)
	}
	if _, ok := e.events.Last(audit.AccountLocked); !ok {
		t.Error("no account.locked event")
	}

	// A recovery code signs in once and says how many are left.
	if err := e.srv.Login.Unlock(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	b3 := testsupport.NewBrowser(t)
	page3 := e.mfaPage(b3, e.password(b3, e.authURL(), "alice"))
	resp, body = e.submit(b3, page3, "recovery", strings.ToUpper(codes[0]))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "9 codes are left") {
		t.Fatalf("recovery code: %d\n%s", resp.StatusCode, body)
	}
	if ev, ok := e.events.Last(audit.RecoveryCodeUsed); !ok || ev.Details["remaining"] != 9 {
		t.Errorf("recovery code use audited as %+v", ev)
	}
	b4 := testsupport.NewBrowser(t)
	page4 := e.mfaPage(b4, e.password(b4, e.authURL(), "alice"))
	if _, again := e.submit(b4, page4, "recovery", codes[0]); !strings.Contains(again, "not valid") {
		t.Fatal("a recovery code worked twice")
	}
	for _, f := range mustFactors(t, e.srv, u.ID) {
		if f.Kind == authcore.FactorRecovery && f.Remaining != 9 {
			t.Errorf("recovery codes left: %d, want 9", f.Remaining)
		}
	}
}

func mustFactors(t *testing.T, srv *server.Server, userID string) []login.FactorInfo {
	t.Helper()
	fs, err := srv.Login.Factors(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestStepUpEndToEnd: a password-only session meets acr_values=mfa and
// gets only the second-factor prompt (no password), then an ID token with
// acr mfa; max_age=0 forces a new sign-in; a gateway route that needs mfa
// refuses the password-only token with RFC 9470's challenge and takes
// the stepped-up one.
func TestStepUpEndToEnd(t *testing.T) {
	e := newMFAEnv(t)
	ctx := context.Background()
	u := e.user("bob")
	b := testsupport.NewBrowser(t)
	weak := e.redeem(b.SignIn(e.issuer, e.authURL(), "bob", "bob-password-1").Redirect)
	e.wantAuth(e.idClaims(weak), authcore.ACRPassword, "pwd")

	// bob adds an authenticator app (the account page's API).
	en, err := e.srv.Login.BeginTOTPEnrollment(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Login.ConfirmTOTPEnrollment(ctx, u.ID, en.FactorID, "Phone", e.code(en.Secret)); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(30 * time.Second)

	resp, _ := b.Get(e.authURL("acr_values", authcore.ACRMFA))
	next, _ := resp.Location()
	page := e.mfaPage(b, next)
	if strings.Contains(page, `name="password"`) {
		t.Fatal("step-up asked for the password again")
	}
	if _, ok := e.events.Last(audit.StepUp); !ok {
		t.Error("no mfa.step_up event")
	}
	resp, body := e.submit(b, page, "totp", e.code(en.Secret))
	strong := e.finish(b, resp, body)
	e.wantAuth(e.idClaims(strong), authcore.ACRMFA, "pwd", "otp", "mfa")

	// The session is now mfa: the same request goes straight through.
	if back := b.SignIn(e.issuer, e.authURL("acr_values", authcore.ACRMFA), "", "").Redirect; back.Query().Get("code") == "" {
		t.Fatalf("an mfa session was asked again: %s", back)
	}
	// max_age=0 always asks for a new sign-in.
	resp, _ = b.Get(e.authURL("max_age", "0"))
	if loc, _ := resp.Location(); resp.StatusCode != http.StatusSeeOther || loc.Path != "/login" {
		t.Fatalf("max_age=0: %d %v, want 303 to /login", resp.StatusCode, loc)
	}

	// A gateway route that needs mfa.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	t.Cleanup(up.Close)
	if err := e.srv.SetRoutes(ctx, []gateway.Route{{Name: "vault", Prefix: "/vault/", Upstream: up.URL,
		Audience: e.issuer, ACR: authcore.ACRMFA}}); err != nil {
		t.Fatal(err)
	}
	call := func(at string) *http.Response {
		req, _ := http.NewRequest("GET", e.issuer+"/vault/x", nil)
		req.Header.Set("Authorization", "Bearer "+at)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	r := call(weak.AccessToken)
	if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="insufficient_user_authentication"`) ||
		!strings.Contains(r.Header.Get("WWW-Authenticate"), `acr_values="`+authcore.ACRMFA+`"`) {
		t.Errorf("password-only token: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
	if r := call(strong.AccessToken); r.StatusCode != http.StatusNoContent {
		t.Errorf("mfa token: %d", r.StatusCode)
	}
	// Introspection reports the sign-in.
	ir := introspect(t, e, strong.AccessToken)
	if ir["acr"] != authcore.ACRMFA || ir["auth_time"] == nil || ir["amr"] == nil {
		t.Errorf("introspection: %v", ir)
	}
}

// introspect asks /introspect about tok as the env's client.
func introspect(t *testing.T, e *mfaEnv, tok string) map[string]any {
	req, _ := http.NewRequest("POST", e.issuer+"/introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(e.cfg.ClientID), url.QueryEscape(e.cfg.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	decode(t, resp, &out)
	return out
}
