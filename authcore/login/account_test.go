package login

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// accountPage fetches /account on c, which must be signed in.
func (e *env) accountPage(c *http.Client) string {
	e.t.Helper()
	resp, body := e.get(c, accountPath)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /account: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return body
}

func TestAccountNeedsSignIn(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	resp, _ := e.get(c, accountPath)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != reauthURL {
		t.Fatalf("GET /account signed out: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := e.get(c, reauthURL)
	resp, _ = e.post(c, "/login", url.Values{"csrf_token": {csrfFrom(t, body)}, "return_to": {accountPath},
		"username": {"alice"}, "password": {alicePassword}})
	if resp.Header.Get("Location") != accountPath {
		t.Fatalf("login for the account page went to %q", resp.Header.Get("Location"))
	}
	contains(t, e.accountPage(c), "Signed in as <strong>alice</strong>", "(this browser)")
}

// TestAccountChangesNeedRecentSignIn: every change with a sign-in older
// than ReauthWindow goes through login again and changes nothing; a
// form without its CSRF token is refused.
func TestAccountChangesNeedRecentSignIn(t *testing.T) {
	changes := []struct {
		path string
		form url.Values
	}{
		{"/account/password", url.Values{"new_password": {"another long secret"}, "confirm_password": {"another long secret"}}},
		{"/account/sessions/end", url.Values{"sid": {"x"}}},
		{"/account/consents/withdraw", url.Values{"client_id": {"c1"}}},
		{"/account/passkeys/remove", url.Values{"id": {"x"}}},
		{"/account/totp", nil},
		{"/account/totp/remove", url.Values{"id": {"x"}}},
		{"/account/recovery", nil},
	}
	for _, ch := range changes {
		t.Run(ch.path, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			must(t, e.store.SaveConsent(ctx, authcore.Consent{UserID: e.alice.ID, ClientID: "c1", Scopes: []string{"openid"}}))
			c := e.browser()
			e.login(c, accountPath)
			csrf := csrfFrom(t, e.accountPage(c))
			e.clock.Advance(ReauthWindow)
			form := url.Values{"csrf_token": {csrf}}
			for k, v := range ch.form {
				form[k] = v
			}
			resp, _ := e.post(c, ch.path, form)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != reauthURL {
				t.Fatalf("stale sign-in: %d %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), reauthURL)
			}
			if _, err := e.m.Authenticate(ctx, "alice", alicePassword); err != nil {
				t.Fatalf("the password changed without a recent sign-in: %v", err)
			}
			if _, err := e.store.GetConsent(ctx, e.alice.ID, "c1"); err != nil {
				t.Fatalf("the consent went without a recent sign-in: %v", err)
			}
			if fs, _ := e.store.ListFactors(ctx, e.alice.ID); len(fs) != 0 {
				t.Fatalf("a factor changed without a recent sign-in: %+v", fs)
			}
			// The login page prefills the signed-in user and says why.
			_, body := e.get(c, reauthURL)
			contains(t, body, "Sign in again to change your account.", `value="alice"`)

			e.login(c, accountPath) // fresh again
			delete(form, "csrf_token")
			if resp, _ := e.post(c, ch.path, form); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("without CSRF token: %d, want 403", resp.StatusCode)
			}
		})
	}
}

var sidRE = regexp.MustCompile(`name="sid" value="([A-Za-z0-9_-]+)"`)

func TestAccountSessionsAndSignOut(t *testing.T) {
	e := newEnv(t)
	laptop, phone := e.browser(), e.browser()
	e.login(phone, "")
	e.login(laptop, accountPath)
	page := e.accountPage(laptop)
	if n := strings.Count(page, "signed in "); n != 2 {
		t.Fatalf("account page lists %d sessions, want 2:\n%s", n, page)
	}
	sids := sidRE.FindAllStringSubmatch(page, -1)
	if len(sids) != 1 { // this browser's session has no sign-out button
		t.Fatalf("%d sign-out buttons, want 1", len(sids))
	}
	resp, _ := e.post(laptop, "/account/sessions/end", url.Values{"csrf_token": {csrfFrom(t, page)}, "sid": {sids[0][1]}})
	if resp.Header.Get("Location") != accountPath+"?done=session-ended" {
		t.Fatalf("end session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := e.get(phone, accountPath); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the phone's session survived: %d", resp.StatusCode)
	}
	if ev, ok := e.rec.Last(audit.SessionEnded); !ok || ev.Reason != "ended_by_user" && ev.Details["reason"] != "ended_by_user" {
		t.Errorf("session.ended event: %+v", ev)
	}
	_, body := e.get(laptop, resp.Header.Get("Location"))
	contains(t, body, "That session was signed out.")
	// A sid that is not one of the user's sessions ends nothing.
	if resp, _ := e.post(laptop, "/account/sessions/end", url.Values{"csrf_token": {csrfFrom(t, page)}, "sid": {sids[0][1]}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("ending an ended session: %d, want 400", resp.StatusCode)
	}
}

// A sign-in still waiting for its second factor (someone who knows the
// password, on another browser) is not a session: the account page must
// not list it beside the user's real sessions.
func TestAccountSessionsSkipPendingSignIns(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.login(c, accountPath)
	s, ok := e.sessionOf(c)
	if !ok {
		t.Fatal("no session after sign-in")
	}
	pending := authcore.Session{ID: authcore.PendingSignInPrefix + "x1", UserID: s.UserID, AuthTime: s.AuthTime,
		ExpiresAt: s.ExpiresAt, RemoteIP: "198.51.100.7", UserAgent: "Other"}
	if err := e.store.CreateSession(context.Background(), pending); err != nil {
		t.Fatal(err)
	}
	page := e.accountPage(c)
	if n := strings.Count(page, "signed in "); n != 1 {
		t.Fatalf("account page lists %d sessions, want 1 (the pending sign-in is not one):\n%s", n, page)
	}
	if strings.Contains(page, "198.51.100.7") {
		t.Fatal("the pending sign-in's address is on the account page")
	}
}

func TestAccountWithdrawConsentRevokesGrants(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	must(t, e.store.CreateClient(ctx, authcore.Client{ID: "c2", Name: "Other App", Type: authcore.Public,
		RedirectURIs: []string{"https://other.example/cb"}, GrantTypes: []string{authcore.GrantAuthorizationCode}}))
	for _, g := range []authcore.Grant{
		{ID: "g1", ClientID: "c1", UserID: e.alice.ID, Scopes: []string{"openid"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "g2", ClientID: "c1", UserID: e.alice.ID, Scopes: []string{"openid"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "g3", ClientID: "c2", UserID: e.alice.ID, Scopes: []string{"openid"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		must(t, e.store.CreateGrant(ctx, g, nil))
	}
	for _, c := range []string{"c1", "c2"} {
		must(t, e.store.SaveConsent(ctx, authcore.Consent{UserID: e.alice.ID, ClientID: c, Scopes: []string{"openid", "profile"}, CreatedAt: now}))
	}
	c := e.browser()
	e.login(c, accountPath)
	page := e.accountPage(c)
	contains(t, page, "Acme Dashboard", "Other App", "openid profile")
	resp, _ := e.post(c, "/account/consents/withdraw", url.Values{"csrf_token": {csrfFrom(t, page)}, "client_id": {"c1"}})
	if resp.Header.Get("Location") != accountPath+"?done=consent-withdrawn" {
		t.Fatalf("withdraw: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := e.store.GetConsent(ctx, e.alice.ID, "c1"); err == nil {
		t.Error("the consent is still there")
	}
	for id, revoked := range map[string]bool{"g1": true, "g2": true, "g3": false} {
		g, err := e.store.GetGrant(ctx, id)
		must(t, err)
		if g.Revoked != revoked {
			t.Errorf("grant %s revoked = %v, want %v", id, g.Revoked, revoked)
		}
	}
	if n := len(e.rec.Of(audit.TokenRevoked)); n != 2 {
		t.Errorf("%d token.revoked events, want 2", n)
	}
	// Withdrawing again, or for a client never allowed, changes nothing.
	if resp, _ := e.post(c, "/account/consents/withdraw", url.Values{"csrf_token": {csrfFrom(t, page)}, "client_id": {"c1"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("withdraw again: %d, want 400", resp.StatusCode)
	}
}

func TestAccountPasswordChange(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other, c := e.browser(), e.browser()
	e.login(other, "")
	e.login(c, accountPath)
	csrf := csrfFrom(t, e.accountPage(c))
	for _, bad := range []struct{ pw, again, want string }{
		{"a new long password", "a different one!", "The two new passwords differ."},
		{"short", "short", "Use at least 8 characters"},
	} {
		resp, body := e.post(c, "/account/password", url.Values{"csrf_token": {csrf}, "new_password": {bad.pw}, "confirm_password": {bad.again}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%q: %d, want 400", bad.pw, resp.StatusCode)
		}
		contains(t, body, bad.want)
		if strings.Contains(body, bad.pw) {
			t.Errorf("the page echoes the password %q", bad.pw)
		}
	}
	const next = "a new long password"
	resp, _ := e.post(c, "/account/password", url.Values{"csrf_token": {csrf}, "new_password": {next}, "confirm_password": {next}})
	if resp.Header.Get("Location") != accountPath+"?done=password" {
		t.Fatalf("change: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); err == nil {
		t.Error("the old password still works")
	}
	if _, err := e.m.Authenticate(ctx, "alice", next); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
	_, body := e.get(c, resp.Header.Get("Location"))
	contains(t, body, "Your password was changed.")
	if resp, _ := e.get(other, accountPath); resp.StatusCode != http.StatusSeeOther {
		t.Error("the other session survived the password change")
	}
}
