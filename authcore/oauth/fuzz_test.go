package oauth

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// loopbackVariant is the fuzz oracle for the loopback exception: got and
// reg are both http://127.0.0.1 or http://[::1] URIs that differ only in
// an optional port of 1-5 digits right after the host, and what follows
// the port is empty or starts with / or ?.
func loopbackVariant(reg, got string) bool {
	for _, host := range []string{"http://127.0.0.1", "http://[::1]"} {
		if !strings.HasPrefix(reg, host) || !strings.HasPrefix(got, host) {
			continue
		}
		rest := func(s string) (string, bool) {
			s = s[len(host):]
			if strings.HasPrefix(s, ":") {
				i := 1
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					i++
				}
				if i == 1 || i > 6 {
					return "", false
				}
				s = s[i:]
			}
			return s, s == "" || s[0] == '/' || s[0] == '?'
		}
		r1, ok1 := rest(reg)
		r2, ok2 := rest(got)
		return ok1 && ok2 && r1 == r2
	}
	return false
}

// FuzzRedirectMatch: accept iff byte-equal to a registered URI or a
// loopback port-only variant of one; a match never changes scheme, host
// or path.
func FuzzRedirectMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"https://app.example/cb", "https://app.example/cb"},
		{"https://app.example/cb", "https://APP.example/cb"},
		{"http://127.0.0.1/cb", "http://127.0.0.1:5000/cb"},
		{"http://127.0.0.1/cb", "http://127.0.0.1:80@evil.example/cb"},
		{"http://[::1]:8080/cb?x", "http://[::1]/cb?x"},
		{"http://127.0.0.1/cb", "http://localhost:1/cb"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, reg, got string) {
		m := matchRedirect([]string{reg}, got)
		if want := reg == got || loopbackVariant(reg, got); m != want {
			t.Fatalf("matchRedirect(%q, %q) = %v, want %v", reg, got, m, want)
		}
		if m && reg != got {
			ru, err1 := url.Parse(reg)
			gu, err2 := url.Parse(got)
			if err1 == nil && err2 == nil && (ru.Scheme != gu.Scheme || ru.Hostname() != gu.Hostname() ||
				ru.Path != gu.Path || ru.RawQuery != gu.RawQuery || gu.User != nil) {
				t.Fatalf("loopback match changed more than the port: %q vs %q", reg, got)
			}
		}
	})
}

// FuzzParseScope: never panics; accepted scopes are valid tokens that
// join back into a string parseScope accepts with the same result.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"", "openid", "openid profile", "a  b", " a", "a\tb", "é", "a a", `"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		scopes, err := parseScope(raw)
		if err != nil {
			return
		}
		for _, s := range scopes {
			if !validScopeToken(s) || strings.Contains(s, " ") {
				t.Fatalf("invalid token %q from %q", s, raw)
			}
		}
		again, err := parseScope(joinScope(scopes))
		if err != nil || joinScope(again) != joinScope(scopes) {
			t.Fatalf("round trip of %q: %v %v", raw, again, err)
		}
	})
}

// FuzzParseBasic: never panics; well-formed encodings round-trip.
func FuzzParseBasic(f *testing.F) {
	f.Add("Basic "+base64.StdEncoding.EncodeToString([]byte("id:secret")), "id", "secret")
	f.Add("basic "+base64.StdEncoding.EncodeToString([]byte("a%3Ab:c%2Bd+e")), "a:b", "c+d e")
	f.Add("Bearer x", "x", "y")
	f.Add("Basic !!!", "", "")
	f.Fuzz(func(t *testing.T, header, id, secret string) {
		_, _, _, _ = parseBasic(header)
		if id == "" {
			return
		}
		enc := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
		gid, gsec, ok, err := parseBasic(enc)
		if !ok || err != nil || gid != id || gsec != secret {
			t.Fatalf("round trip (%q, %q): %q %q %v %v", id, secret, gid, gsec, ok, err)
		}
	})
}

// FuzzTokenRequest: the token endpoint never panics or answers 5xx on any
// body, content type or Authorization header.
func FuzzTokenRequest(f *testing.F) {
	e := newEnv(f)
	mux := http.NewServeMux()
	e.srv.Mount(mux)
	f.Add("grant_type=client_credentials", "application/x-www-form-urlencoded", "")
	f.Add("grant_type=authorization_code&code=x&code_verifier=y", "application/x-www-form-urlencoded", "Basic Og==")
	f.Add("grant_type=refresh_token&refresh_token=%zz", "application/x-www-form-urlencoded; charset=utf-8", "Basic")
	f.Add(`{"a":1}`, "application/json", "Bearer x")
	f.Fuzz(func(t *testing.T, body, ctype, authz string) {
		req := httptest.NewRequest("POST", "/token", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%d for %q %q %q: %s", w.Code, body, ctype, authz, w.Body)
		}
		p, dup, err := parseParams(body)
		if err == nil && dup == "" && len(p) > maxParams {
			t.Fatal("parameter cap not applied")
		}
	})
}
