package oauth

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore"
)

// TestInternalTextNeverReachesClient: storage failures on every endpoint
// are logged with their text and answered without it.
func TestInternalTextNeverReachesClient(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, func(c *Config) { c.Logger = zerolog.New(&logs) })
	v := oauth2.GenerateVerifier()
	code := e.code(e.web, v)
	fs := withFailing(e)
	fs.fail["RedeemAuthCode"] = true
	r := e.redeem(e.web, code, v)
	if r.status != 503 || r.str("error") != "temporarily_unavailable" || containsAny(r.raw, "badger", "space", "vlog") {
		t.Fatalf("redeem: %d %s", r.status, r.raw)
	}
	fs.fail["GetClient"] = true
	r = e.post("/token", url.Values{"grant_type": {"client_credentials"}}, &e.svc)
	if r.status != 503 || containsAny(r.raw, "badger", "space", "vlog") {
		t.Fatalf("token: %d %s", r.status, r.raw)
	}
	resp := e.authorize(authParams(e.web, v).Encode())
	body := resp.Header.Get("Location")
	if resp.StatusCode != 503 || containsAny(body, "badger", "space") {
		t.Fatalf("authorize: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "no space left on device") {
		t.Fatalf("internal error not logged: %s", logs.String())
	}
}

// TestWriteError checks the error body, headers and ASCII filtering.
func TestWriteError(t *testing.T) {
	cases := []struct {
		err    *Error
		status int
		body   string
		www    bool
	}{
		{errInvalidRequest("bad"), 400, `{"error":"invalid_request","error_description":"bad"}`, false},
		{errInvalidClient("no", true), 401, `{"error":"invalid_client","error_description":"no"}`, true},
		{errInvalidGrant("é\"\\\n<x>"), 400, `{"error":"invalid_grant","error_description":"?????\u003cx\u003e"}`, false},
		{&Error{Code: "invalid_scope"}, 400, `{"error":"invalid_scope"}`, false},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		writeError(w, tc.err)
		if w.Code != tc.status || strings.TrimSpace(w.Body.String()) != tc.body ||
			w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Pragma") != "no-cache" ||
			(w.Header().Get("WWW-Authenticate") != "") != tc.www {
			t.Errorf("%v: %d %s %v", tc.err, w.Code, w.Body, w.Header())
		}
	}
}

// TestRateLimit: per-IP and per-client limits on /token answer 429 with
// Retry-After.
func TestRateLimit(t *testing.T) {
	for _, name := range []string{"client", "ip"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) {
				if name == "client" {
					c.ClientRate, c.ClientBurst = rate.Every(1e9*60), 2
				} else {
					c.IPRate, c.IPBurst = rate.Every(1e9*60), 2
				}
			})
			f := url.Values{"grant_type": {"client_credentials"}}
			for i := 0; i < 2; i++ {
				if r := e.post("/token", f, &e.svc); r.status != 200 {
					t.Fatalf("request %d: %d %s", i, r.status, r.raw)
				}
			}
			r := e.post("/token", f, &e.svc)
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
				t.Fatalf("got %d %v", r.status, r.header)
			}
			other := e.post("/token", f, &e.rs)
			if want := map[string]int{"client": 200, "ip": 429}[name]; other.status != want {
				t.Fatalf("other client: %d, want %d", other.status, want)
			}
		})
	}
}

// A registration refusal shows the typed error's message; a failure that
// merely wraps the same sentinel is internal (503, no text).
func TestRegistrationErrorShowsOnlyTypedMessages(t *testing.T) {
	for _, c := range []struct {
		err        error
		code, desc string
	}{
		{authcore.Invalid(ErrInvalidClientMetadata, "jwks_uri is not supported"), CodeInvalidClientMetadata, "jwks_uri is not supported"},
		{validateRedirectURI("https://a.example/#f"), CodeInvalidRedirectURI, `redirect URI "https://a.example/#f": contains a fragment`},
		{fmt.Errorf("%w: %w", ErrInvalidClientMetadata, errors.New("badger: disk on fire")), CodeTemporarilyUnavailable, ""},
	} {
		e := publicError(registrationError(c.err))
		if e.Code != c.code || e.Description != c.desc && c.desc != "" || strings.Contains(e.Description, "badger") {
			t.Errorf("%v: %+v, want %s %q", c.err, e, c.code, c.desc)
		}
	}
}
