package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// hostile are return addresses that must never be followed.
var hostile = []string{
	"https://evil.example/authorize?x=1",
	"http://evil.example",
	"//evil.example/authorize?x=1",
	"/\\evil.example/authorize?x=1",
	"\\\\evil.example",
	"/authorize@evil.example?x=1",
	"/authorize/../login?x=1",
	"/authorize/?x=1",
	"/authorizex?x=1",
	"/login",
	"/login?return_to=/authorize?x=1",
	"/consent?x=1",
	"/authorize",
	"/authorize?",
	"/authorize?x=1#@evil.example",
	"/authorize?x=1\r\nSet-Cookie: a=b",
	"/authorize?x=1\x00",
	"/authorize?x=%zz",
	"/authorize?x=1 2",
	"/authorize?x=\u00e9",
	"/%61uthorize?x=1",
	"javascript:alert(1)//authorize?x=1",
	" /authorize?x=1",
	"/authorize?" + strings.Repeat("a", maxReturnTo),
}

func TestValidReturnTo(t *testing.T) {
	for _, ok := range []string{testReturn, "/authorize?client_id=c1", "/authorize?a=%2F%2Fevil&b=https%3A%2F%2Fx"} {
		if !validReturnTo(ok) {
			t.Errorf("refused %q", ok)
		}
	}
	for _, bad := range hostile {
		if validReturnTo(bad) {
			t.Errorf("accepted %q", bad)
		}
	}
}

// TestOpenRedirectRefused sends each hostile address through every hop
// that carries one and checks no response redirects anywhere.
func TestOpenRedirectRefused(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.login(c, testReturn)
	_, body := e.get(c, loginURL(testReturn))
	csrf := csrfFrom(t, body)
	for _, bad := range hostile {
		q := "?" + url.Values{"return_to": {bad}}.Encode()
		hops := map[string]func() *http.Response{
			"GET /login":   func() *http.Response { r, _ := e.get(c, "/login"+q); return r },
			"GET /consent": func() *http.Response { r, _ := e.get(c, "/consent"+q); return r },
			"POST /login": func() *http.Response {
				r, _ := e.post(c, "/login", url.Values{"csrf_token": {csrf}, "return_to": {bad},
					"username": {"alice"}, "password": {alicePassword}})
				return r
			},
			"POST /consent": func() *http.Response {
				r, _ := e.post(c, "/consent", url.Values{"csrf_token": {csrf}, "return_to": {bad}, "decision": {"allow"}})
				return r
			},
			"POST /logout": func() *http.Response {
				r, _ := e.post(c, "/logout", url.Values{"csrf_token": {csrf}, "return_to": {bad}})
				return r
			},
		}
		for hop, do := range hops {
			resp := do()
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("%s %q: %d Location %q", hop, bad, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		for name, fn := range map[string]func(http.ResponseWriter, *http.Request, string){
			"RedirectToLogin": e.m.RedirectToLogin, "RedirectToConsent": e.m.RedirectToConsent,
		} {
			rec := httptest.NewRecorder()
			fn(rec, httptest.NewRequest("GET", "/authorize", nil), bad)
			if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" {
				t.Errorf("%s(%q): %d", name, bad, rec.Code)
			}
		}
	}
	// A duplicated return_to is refused too.
	if resp, _ := e.get(c, "/login?return_to="+url.QueryEscape(testReturn)+"&return_to=%2F%2Fevil"); resp.StatusCode != 400 {
		t.Errorf("duplicate return_to: %d", resp.StatusCode)
	}
}
