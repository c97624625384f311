package oauth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
)

// Open redirect through a self-registered client (RFC 9700 §4.11.2):
// with open registration anyone registers https://phish.example/cb, then
// sends visitors to /authorize with a request that fails. For such a
// client an error is shown on Latchkey's own page, never redirected,
// until the signed-in user has consented to the client; a client an
// administrator registered keeps the redirect (OAuth 2.1 §4.1.2.1).
func TestAttackSelfRegisteredClientNoErrorRedirect(t *testing.T) {
	e := newEnv(t, openRegistration)
	reg := e.register("POST", "/register", map[string]any{"client_name": "Phish",
		"redirect_uris": []string{"https://phish.example/cb"}, "grant_types": []string{"authorization_code"},
		"scope": "openid profile"}, "")
	if reg.status != http.StatusCreated {
		t.Fatalf("register: %d %s", reg.status, reg.raw)
	}
	phish := testClient{Client: authcore.Client{ID: reg.str("client_id"), RedirectURIs: []string{"https://phish.example/cb"}}}
	verifier := oauth2.GenerateVerifier()
	set := func(k, v string) func(url.Values) { return func(q url.Values) { q.Set(k, v) } }
	bad := []struct {
		name string
		mod  func(url.Values)
	}{
		{"scope not allowed", set("scope", "openid bogus")},
		{"scope malformed", set("scope", "openid  profile")},
		{"response_type token", set("response_type", "token")},
		{"plain PKCE", set("code_challenge_method", "plain")},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge") }},
	}
	get := func(c testClient, user string, mod func(url.Values)) *http.Response {
		t.Helper()
		q := authParams(c, verifier)
		q.Set("scope", "openid profile")
		mod(q)
		req, _ := http.NewRequest("GET", e.ts.URL+"/authorize?"+q.Encode(), nil)
		if user != "" {
			req.AddCookie(&http.Cookie{Name: "sid", Value: user})
		}
		resp, err := noFollow().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, tc := range bad {
		for _, user := range []string{"", "alice"} { // not signed in; signed in without consent
			resp := get(phish, user, tc.mod)
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusBadRequest || loc != "" {
				t.Errorf("self-registered, %s, user %q: %d Location=%q, want the error page", tc.name, user, resp.StatusCode, loc)
			}
			checkPageHeaders(t, resp.Header)
		}
		// A client an administrator registered: redirected as before.
		resp := get(e.web, "", tc.mod)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "https://app.example/cb?error=") {
			t.Errorf("admin-registered, %s: %d Location=%q, want a redirected error", tc.name, resp.StatusCode, loc)
		}
	}
	// Once alice consented to the client, it is hers to trust: its errors
	// go back to it with state and iss, as for any client.
	if err := e.store.SaveConsent(context.Background(), authcore.Consent{UserID: "alice", ClientID: phish.ID,
		Scopes: []string{"openid", "profile"}, CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	resp := get(phish, "alice", set("scope", "openid orders:read"))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Host != "phish.example" ||
		loc.Query().Get("error") != CodeInvalidScope || loc.Query().Get("iss") != e.ts.URL {
		t.Fatalf("after consent: %d %v", resp.StatusCode, loc)
	}
	if resp := get(phish, "bob", set("scope", "openid orders:read")); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("another user, no consent: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
