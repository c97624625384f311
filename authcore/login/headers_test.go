package login

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestSecurityHeadersOnEveryPage checks the hardening headers on every
// kind of response the package sends, and that the stylesheet hash in the
// policy matches the page's <style>.
func TestSecurityHeadersOnEveryPage(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LoginBurst = 2; c.LoginRate = 0.001 })
	c := e.browser()
	_, body := e.get(c, loginURL(testReturn))
	csrf := csrfFrom(t, body)
	type call struct {
		name   string
		status int
		do     func() (*http.Response, string)
	}
	calls := []call{
		{"login page", 200, func() (*http.Response, string) { return e.get(c, loginURL(testReturn)) }},
		{"bad return", 400, func() (*http.Response, string) { return e.get(c, "/login?return_to=//evil") }},
		{"consent, no session", 303, func() (*http.Response, string) { return e.get(c, consentURL(testReturn)) }},
		{"csrf 403", 403, func() (*http.Response, string) { return e.post(c, "/login", url.Values{}) }},
		{"login 303", 303, func() (*http.Response, string) {
			return e.post(c, "/login", url.Values{"csrf_token": {csrf}, "return_to": {testReturn},
				"username": {"alice"}, "password": {alicePassword}})
		}},
		{"rate limited 429", 429, func() (*http.Response, string) { return e.post(c, "/login", url.Values{}) }},
		{"consent page", 200, func() (*http.Response, string) { return e.get(c, consentURL(testReturn)) }},
		{"signed-in page", 200, func() (*http.Response, string) { return e.get(c, "/login") }},
	}
	for _, tc := range calls {
		resp, body := tc.do()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
		h := resp.Header
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
			"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
			if h.Get(k) != want {
				t.Errorf("%s: %s = %q", tc.name, k, h.Get(k))
			}
		}
		if h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: CORS header", tc.name)
		}
		csp := h.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "form-action 'self'", "frame-ancestors 'none'",
			"base-uri 'none'", "style-src 'sha256-"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %q", tc.name, csp, d)
			}
		}
		if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q allows more than styles", tc.name, csp)
		}
		if resp.StatusCode != 303 {
			checkStyleHash(t, tc.name, csp, body)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "http://") || strings.Contains(body, "https://") {
			t.Errorf("%s: page loads or links third-party content", tc.name)
		}
	}
}

var styleRE = regexp.MustCompile(`(?s)<style>(.*)</style>`)

func checkStyleHash(t *testing.T, name, csp, body string) {
	t.Helper()
	m := styleRE.FindStringSubmatch(body)
	if m == nil {
		t.Errorf("%s: no <style>", name)
		return
	}
	sum := sha256.Sum256([]byte(m[1]))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("%s: CSP lacks the stylesheet hash %s", name, want)
	}
}

// TestFormActionAllowsClientRedirect: Chrome and Safari check form-action
// against the redirects a submission leads to, so the login and consent
// pages must allow the client's registered redirect origin.
func TestFormActionAllowsClientRedirect(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	resp, _ := e.get(c, loginURL(testReturn))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "form-action 'self' https://app.example") {
		t.Fatalf("login CSP %q", csp)
	}
	e.login(c, testReturn)
	resp, _ = e.get(c, consentURL(testReturn))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "form-action 'self' https://app.example") {
		t.Fatalf("consent CSP %q", csp)
	}
}
