package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestAuthorizeAttacks is the authorization-endpoint attack table
// (docs/security.md AZ-01..AZ-08): invalid client or redirect URI gives the
// error page and never a Location; other errors redirect 303 with error,
// state and iss.
func TestAuthorizeAttacks(t *testing.T) {
	e := newEnv(t)
	verifier := oauth2.GenerateVerifier()
	set := func(k, v string) func(url.Values) { return func(q url.Values) { q.Set(k, v) } }
	add := func(k, v string) func(url.Values) { return func(q url.Values) { q.Add(k, v) } }
	del := func(k string) func(url.Values) { return func(q url.Values) { q.Del(k) } }
	const page, ok = "page", "ok"
	cases := []struct {
		name   string
		client *testClient
		mod    func(url.Values)
		want   string // page, ok, or the redirected error code
		state  string // expected state on redirects ("st" unless set)
	}{
		{"valid", &e.web, nil, ok, ""},
		{"trailing slash", &e.web, set("redirect_uri", "https://app.example/cb/"), page, ""},
		{"host case", &e.web, set("redirect_uri", "https://APP.example/cb"), page, ""},
		{"scheme case", &e.web, set("redirect_uri", "HTTPS://app.example/cb"), page, ""},
		{"path case", &e.web, set("redirect_uri", "https://app.example/Cb"), page, ""},
		{"extra path", &e.web, set("redirect_uri", "https://app.example/cb/extra"), page, ""},
		{"dot segments", &e.web, set("redirect_uri", "https://app.example/cb/../evil"), page, ""},
		{"encoded path", &e.web, set("redirect_uri", "https://app.example/%63b"), page, ""},
		{"added query", &e.web, set("redirect_uri", "https://app.example/cb?x=1"), page, ""},
		{"fragment", &e.web, set("redirect_uri", "https://app.example/cb#f"), page, ""},
		{"explicit port", &e.web, set("redirect_uri", "https://app.example:443/cb"), page, ""},
		{"userinfo", &e.web, set("redirect_uri", "https://app.example@evil.example/cb"), page, ""},
		{"backslash userinfo", &e.web, set("redirect_uri", `https://app.example\@evil.example/cb`), page, ""},
		{"NUL", &e.web, set("redirect_uri", "https://app.example/cb\x00"), page, ""},
		{"other host", &e.web, set("redirect_uri", "https://evil.example/cb"), page, ""},
		{"web client loopback", &e.web, set("redirect_uri", "http://127.0.0.1:5000/cb"), page, ""},
		{"loopback other port", &e.native, set("redirect_uri", "http://127.0.0.1:53123/cb"), ok, ""},
		{"loopback no port", &e.native, nil, ok, ""},
		{"loopback omitted", &e.native, del("redirect_uri"), ok, ""},
		{"loopback query", &e.native, set("redirect_uri", "http://127.0.0.1:53123/cb?x=1"), page, ""},
		{"loopback userinfo", &e.native, set("redirect_uri", "http://127.0.0.1:80@evil.example/cb"), page, ""},
		{"loopback localhost", &e.native, set("redirect_uri", "http://localhost:53123/cb"), page, ""},
		{"loopback ipv6", &e.native, set("redirect_uri", "http://[::1]:53123/cb"), page, ""},
		{"loopback host suffix", &e.native, set("redirect_uri", "http://127.0.0.1.evil.example/cb"), page, ""},
		{"loopback path", &e.native, set("redirect_uri", "http://127.0.0.1:53123/cb/"), page, ""},
		{"loopback https", &e.native, set("redirect_uri", "https://127.0.0.1:53123/cb"), page, ""},
		{"several registered, none sent", &e.multi, del("redirect_uri"), page, ""},
		{"client_id missing", &e.web, del("client_id"), page, ""},
		{"client_id unknown", &e.web, set("client_id", "nope"), page, ""},
		{"client_id twice", &e.web, add("client_id", "x"), page, ""},
		{"redirect_uri twice", &e.web, add("redirect_uri", "https://app.example/cb"), page, ""},
		{"no code_challenge", &e.web, del("code_challenge"), "invalid_request", ""},
		{"no code_challenge public", &e.native, del("code_challenge"), "invalid_request", ""},
		{"plain", &e.web, set("code_challenge_method", "plain"), "invalid_request", ""},
		{"method omitted", &e.web, del("code_challenge_method"), "invalid_request", ""},
		{"method lower case", &e.web, set("code_challenge_method", "s256"), "invalid_request", ""},
		{"challenge 42", &e.web, set("code_challenge", strings.Repeat("a", 42)), "invalid_request", ""},
		{"challenge 129", &e.web, set("code_challenge", strings.Repeat("a", 129)), "invalid_request", ""},
		{"challenge plus", &e.web, set("code_challenge", strings.Repeat("a", 42)+"+"), "invalid_request", ""},
		{"challenge space", &e.web, set("code_challenge", strings.Repeat("a", 42)+" "), "invalid_request", ""},
		{"challenge non-ascii", &e.web, set("code_challenge", strings.Repeat("a", 42)+"é"), "invalid_request", ""},
		{"response_type token", &e.web, set("response_type", "token"), "unsupported_response_type", ""},
		{"response_type code token", &e.web, set("response_type", "code token"), "unsupported_response_type", ""},
		{"response_type missing", &e.web, del("response_type"), "invalid_request", ""},
		{"state twice", &e.web, add("state", "other"), "invalid_request", "-"},
		{"scope twice", &e.web, add("scope", "openid"), "invalid_request", ""},
		{"scope not allowed", &e.web, set("scope", "openid latchkey:admin"), "invalid_scope", ""},
		{"scope unknown", &e.web, set("scope", "bogus"), "invalid_scope", ""},
		{"scope malformed", &e.web, set("scope", "openid  profile"), "invalid_scope", ""},
		{"scope empty is omitted", &e.web, set("scope", ""), ok, ""},
		{"state empty is omitted", &e.web, set("state", ""), ok, "-"},
		{"unknown parameter", &e.web, set("extra", "foobar"), ok, ""},
		{"client without code grant", &e.svc, set("redirect_uri", "https://app.example/cb"), page, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := authParams(*tc.client, verifier)
			if tc.mod != nil {
				tc.mod(q)
			}
			resp := e.authorize(q.Encode())
			loc := resp.Header.Get("Location")
			if tc.want == page {
				if resp.StatusCode != http.StatusBadRequest || loc != "" {
					t.Fatalf("want error page, got %d Location=%q", resp.StatusCode, loc)
				}
				checkPageHeaders(t, resp.Header)
				return
			}
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("want 303, got %d", resp.StatusCode)
			}
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatal(err)
			}
			got := u.Query()
			wantState := "st"
			if tc.state == "-" {
				wantState = ""
			}
			if got.Get("state") != wantState || got.Get("iss") != e.ts.URL {
				t.Fatalf("state/iss: %s", loc)
			}
			if tc.want == ok {
				if got.Get("code") == "" || got.Get("error") != "" {
					t.Fatalf("want a code: %s", loc)
				}
			} else if got.Get("error") != tc.want || got.Get("code") != "" {
				t.Fatalf("want error=%s: %s", tc.want, loc)
			}
			if want := q.Get("redirect_uri"); want != "" && !strings.HasPrefix(loc, want+"?") {
				t.Fatalf("redirected to %s, want %s", loc, want)
			}
		})
	}
}

func checkPageHeaders(t *testing.T, h http.Header) {
	t.Helper()
	if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" ||
		h.Get("Cache-Control") != "no-store" || h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("page headers: %v", h)
	}
}
