package oidc_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// call sends a request and returns status, WWW-Authenticate and body.
func call(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(b)
}

// UserInfo (docs/security.md UI-01) with exact outcomes.
func TestUserinfo(t *testing.T) {
	e := start(t)
	e.user("alice", "alice@example.com")
	r := e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb},
		Scopes: []string{"openid", "profile", "email", "orders:read"}}, "openid", "email")
	tok, _ := codeFlow(t, e, testsupport.NewBrowser(t), r)
	at := tok.AccessToken
	get := func(query, auth string) *http.Request {
		req, _ := http.NewRequest("GET", e.issuer+"/userinfo"+query, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return req
	}
	status, _, body := call(t, get("", "Bearer "+at))
	if status != 200 || !strings.Contains(body, `"email":"alice@example.com"`) || strings.Contains(body, "preferred_username") {
		t.Fatalf("valid: %d %s", status, body)
	}
	post := func(form url.Values, auth string) *http.Request {
		req, _ := http.NewRequest("POST", e.issuer+"/userinfo", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return req
	}
	cases := []struct {
		name       string
		req        *http.Request
		status     int
		challenge  string
		bodyHasErr string
	}{
		{"no token", get("", ""), 401, "Bearer", ""},
		{"query token", get("?access_token="+at, ""), 401, "Bearer", ""},
		{"body token only", post(url.Values{"access_token": {at}}, ""), 401, "Bearer", ""},
		{"header and body", post(url.Values{"access_token": {at}}, "Bearer "+at), 400, "", "invalid_request"},
		{"header and query", get("?access_token="+at, "Bearer "+at), 400, "", "invalid_request"},
		{"garbage", get("", "Bearer abc.def.ghi"), 401, `Bearer error="invalid_token"`, "invalid_token"},
		{"POST header", post(url.Values{}, "Bearer "+at), 200, "", ""},
	}
	for _, c := range cases {
		status, chal, body := call(t, c.req)
		if status != c.status || (c.challenge != "" && !strings.HasPrefix(chal, c.challenge)) ||
			(c.challenge == "Bearer" && chal != "Bearer") || !strings.Contains(body, c.bodyHasErr) {
			t.Errorf("%s: %d %q %s", c.name, status, chal, body)
		}
	}
	// Without openid: 403 insufficient_scope.
	noOpenID := e.rp(oauth.ClientSpec{Name: "API", RedirectURIs: []string{cb}, Scopes: []string{"orders:read"}}, "orders:read")
	tok2, _ := codeFlow(t, e, testsupport.NewBrowser(t), noOpenID)
	status, chal, _ := call(t, get("", "Bearer "+tok2.AccessToken))
	if status != 403 || !strings.Contains(chal, `error="insufficient_scope"`) {
		t.Fatalf("no openid: %d %q", status, chal)
	}
	// A token for an API (a resource indicator, RFC 8707) is not for
	// userinfo: 401 invalid_token; with the issuer among its audiences it
	// is (without resource, see TestUserinfoForAPIClientSignIn).
	api := e.rp(oauth.ClientSpec{Name: "Shop API", RedirectURIs: []string{cb}, Audience: []string{"https://api.example"},
		Scopes: []string{"openid", "email"}}, "openid", "email")
	tok4, _ := codeFlow(t, e, testsupport.NewBrowser(t), api, oauth2.SetAuthURLParam("resource", "https://api.example"))
	if status, chal, _ := call(t, get("", "Bearer "+tok4.AccessToken)); status != 401 || !strings.Contains(chal, `error="invalid_token"`) {
		t.Fatalf("API audience at userinfo: %d %q", status, chal)
	}
	both := e.rp(oauth.ClientSpec{Name: "Shop both", RedirectURIs: []string{cb}, Audience: []string{"https://api.example", e.issuer},
		Scopes: []string{"openid", "email"}}, "openid", "email")
	tok5, _ := codeFlow(t, e, testsupport.NewBrowser(t), both)
	if status, _, body := call(t, get("", "Bearer "+tok5.AccessToken)); status != 200 {
		t.Fatalf("issuer among the audiences: %d %s", status, body)
	}
	// Revoked, then expired: 401 invalid_token.
	rv, _ := http.NewRequest("POST", e.issuer+"/revoke", strings.NewReader(url.Values{"token": {at}}.Encode()))
	rv.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rv.SetBasicAuth(r.cfg.ClientID, r.cfg.ClientSecret)
	if s, _, b := call(t, rv); s != 200 {
		t.Fatalf("revoke: %d %s", s, b)
	}
	if status, chal, _ := call(t, get("", "Bearer "+at)); status != 401 || !strings.Contains(chal, `error="invalid_token"`) {
		t.Fatalf("revoked: %d %q", status, chal)
	}
	tok3, _ := codeFlow(t, e, testsupport.NewBrowser(t), r)
	e.clock.Advance(11 * time.Minute)
	if status, chal, _ := call(t, get("", "Bearer "+tok3.AccessToken)); status != 401 || !strings.Contains(chal, `error="invalid_token"`) {
		t.Fatalf("expired: %d %q", status, chal)
	}
}

// logouts records back-channel logout tokens.
type logouts struct {
	mu     sync.Mutex
	tokens []string
}

func (l *logouts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	l.mu.Lock()
	l.tokens = append(l.tokens, r.PostForm.Get("logout_token"))
	l.mu.Unlock()
}

func (l *logouts) wait(t *testing.T, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		l.mu.Lock()
		got := append([]string(nil), l.tokens...)
		l.mu.Unlock()
		if len(got) >= n {
			return got
		}
	}
	t.Fatalf("fewer than %d logout tokens", n)
	return nil
}

// RP-initiated logout: an unregistered post_logout_redirect_uri is an
// error page; with a valid (even expired) hint the session ends at once,
// the browser returns with state, prompt=none then needs a login, and
// the client's back-channel receives a logout token for the session.
// Without a hint the user is asked first.
func TestRPInitiatedAndBackchannelLogout(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	alice := e.user("alice", "alice@example.com")
	rec := &logouts{}
	bc := httptest.NewServer(rec)
	defer bc.Close()
	e.srv.OIDC.SetBackchannelAllowPrivate(true) // the client listens on loopback
	bye := "https://shop.example/bye"
	r := e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb}, Scopes: []string{"openid"},
		PostLogoutRedirectURIs: []string{bye}, BackchannelLogoutURI: bc.URL + "/bc"}, "openid")
	b := testsupport.NewBrowser(t)
	_, idt := codeFlow(t, e, b, r)
	end := func(v url.Values) (*http.Response, string) { return b.Get(e.issuer + "/end_session?" + v.Encode()) }

	resp, body := end(url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {"https://evil.example/bye"}})
	if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(body, "not registered") {
		t.Fatalf("unregistered redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// No hint: a confirmation page, nothing ended yet.
	resp, body = end(url.Values{"client_id": {r.client.ID}, "post_logout_redirect_uri": {bye}, "state": {"s1"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `action="/end_session"`) {
		t.Fatalf("confirmation: %d %s", resp.StatusCode, body)
	}
	if list, _ := e.srv.OIDC.ListSessions(ctx, alice.ID); len(list) != 1 {
		t.Fatal("session ended without confirmation")
	}
	e.clock.Advance(2 * time.Hour) // the hint has expired: still accepted
	resp, _ = end(url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {bye}, "state": {"s2"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != bye+"?state=s2" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if list, _ := e.srv.OIDC.ListSessions(ctx, alice.ID); len(list) != 0 {
		t.Fatalf("session still live: %+v", list)
	}
	verifier := oauth2.GenerateVerifier()
	resp, _ = b.Get(r.cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
	if loc, _ := resp.Location(); loc == nil || loc.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none after logout: %v", loc)
	}
	toks := rec.wait(t, 1)
	hdr, lt := testsupport.DecodeJWT(t, toks[0])
	_, ic := testsupport.DecodeJWT(t, idt)
	events, _ := lt["events"].(map[string]any)
	if hdr["typ"] != "logout+jwt" || lt["sid"] != ic["sid"] || lt["sub"] != alice.ID || lt["aud"] != r.client.ID ||
		lt["iss"] != e.issuer || lt["nonce"] != nil || events["http://schemas.openid.net/event/backchannel-logout"] == nil {
		t.Fatalf("logout token %v %v", hdr, lt)
	}
	for deadline := time.Now().Add(2 * time.Second); len(e.ev.Of(audit.LogoutBackchannel)) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if evs := e.ev.Of(audit.LogoutBackchannel); len(evs) != 1 || evs[0].Outcome != audit.Success || evs[0].ClientID != r.client.ID {
		t.Fatalf("delivery events %+v", evs)
	}
}
