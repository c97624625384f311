package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/audit"
)

// clientEndpoints are the form-POST endpoints that share clientRequest,
// each with a body that passes its own checks once the client has
// authenticated.
var clientEndpoints = []struct {
	path      string
	form      url.Values
	perClient bool // the per-client ceiling applies
}{
	{"/token", url.Values{"grant_type": {"client_credentials"}}, true},
	{"/par", url.Values{"response_type": {"code"}, "scope": {"openid"}}, true},
	{"/device_authorization", url.Values{"scope": {"openid"}}, true},
	{"/revoke", url.Values{"token": {"x"}}, true},
	{"/introspect", url.Values{"token": {"x"}}, true},
}

// send posts body to path with the given content type, query and Basic
// credentials (user "" for none).
func (e *env) send(path, query, ctype, body, user, pass string) tokenReply {
	e.t.Helper()
	u := e.ts.URL + path
	if query != "" {
		u += "?" + query
	}
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return e.do(req)
}

func wantError(t *testing.T, r tokenReply, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error") != code {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
}

// TestClientEndpointPreamble pins what the five client-authenticated
// endpoints answer before their own logic: statuses, error codes,
// challenges, ceilings and audit events.
func TestClientEndpointPreamble(t *testing.T) {
	e := newEnv(t)
	form := "application/x-www-form-urlencoded"
	for _, ep := range clientEndpoints {
		t.Run(ep.path, func(t *testing.T) {
			body := ep.form.Encode()
			wantError(t, e.send(ep.path, "", "text/plain", body, e.svc.ID, e.svc.secret), 400, "invalid_request")
			wantError(t, e.send(ep.path, "client_secret=x", form, body, e.svc.ID, e.svc.secret), 400, "invalid_request")
			wantError(t, e.send(ep.path, "", form, body+"&scope=a&scope=b", e.svc.ID, e.svc.secret), 400, "invalid_request")
			big := body + "&pad=" + strings.Repeat("a", DefaultMaxBodyBytes)
			wantError(t, e.send(ep.path, "", form, big, e.svc.ID, e.svc.secret), 413, "invalid_request")

			// A wrong secret in the header: 401 with a Basic challenge,
			// audited as a failed client authentication.
			before := e.rec.count(audit.ClientAuthFailed)
			r := e.send(ep.path, "", form, body, e.svc.ID, "wrong")
			wantError(t, r, 401, "invalid_client")
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
				t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
			if e.rec.count(audit.ClientAuthFailed) != before+1 {
				t.Fatal("failed authentication not audited")
			}

			// A wrong secret in the body: 400 at /token, /device and
			// /revoke (RFC 6749 §5.2), 401 at /par without a challenge
			// (RFC 9126 §2.3) and at /introspect with one (RFC 7662 §2.1).
			f := url.Values{"client_id": {e.postc.ID}, "client_secret": {"wrong"}}
			for k, v := range ep.form {
				f[k] = v
			}
			r = e.send(ep.path, "", form, f.Encode(), "", "")
			switch ep.path {
			case "/par":
				wantError(t, r, 401, "invalid_client")
				if h := r.header.Get("WWW-Authenticate"); h != "" {
					t.Fatalf("WWW-Authenticate %q", h)
				}
			case "/introspect":
				wantError(t, r, 401, "invalid_client")
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
					t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
				}
			default:
				wantError(t, r, 400, "invalid_client")
				if h := r.header.Get("WWW-Authenticate"); h != "" {
					t.Fatalf("WWW-Authenticate %q", h)
				}
			}
		})
	}
	t.Run("introspect refuses a public client", func(t *testing.T) {
		f := url.Values{"token": {"x"}, "client_id": {e.native.ID}}
		r := e.send("/introspect", "", form, f.Encode(), "", "")
		wantError(t, r, 401, "invalid_client")
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
			t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
		}
	})
	t.Run("grant_type is vetted before authentication", func(t *testing.T) {
		before := e.rec.count(audit.ClientAuthFailed)
		wantError(t, e.send("/token", "", form, "", e.svc.ID, "wrong"), 400, "invalid_request")
		wantError(t, e.send("/token", "", form, "grant_type=password", e.svc.ID, "wrong"), 400, "unsupported_grant_type")
		if e.rec.count(audit.ClientAuthFailed) != before {
			t.Fatal("authentication ran before the grant_type check")
		}
	})
}

// TestClientEndpointCeilings pins which ceilings each endpoint applies:
// per IP everywhere, per client at /token, /par and
// /device_authorization, and the failed-authentication guard everywhere.
func TestClientEndpointCeilings(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	for _, ep := range clientEndpoints {
		t.Run(ep.path, func(t *testing.T) {
			body := ep.form.Encode()
			e := newEnv(t, func(c *Config) { c.IPRate, c.IPBurst = rate.Every(3600e9), 1 })
			e.send(ep.path, "", form, body, e.svc.ID, e.svc.secret)
			before := e.rec.count(audit.RateLimitHit)
			r := e.send(ep.path, "", form, body, e.svc.ID, e.svc.secret)
			wantError(t, r, 429, "temporarily_unavailable")
			if r.header.Get("Retry-After") == "" || e.rec.count(audit.RateLimitHit) != before+1 {
				t.Fatalf("per-IP ceiling: Retry-After %q, audited %d", r.header.Get("Retry-After"), e.rec.count(audit.RateLimitHit)-before)
			}

			e = newEnv(t, func(c *Config) { c.ClientRate, c.ClientBurst = rate.Every(3600e9), 1 })
			e.send(ep.path, "", form, body, e.svc.ID, e.svc.secret)
			r = e.send(ep.path, "", form, body, e.svc.ID, e.svc.secret)
			if ep.perClient {
				wantError(t, r, 429, "temporarily_unavailable")
			} else if r.status == 429 {
				t.Fatalf("per-client ceiling applied: %s", r.raw)
			}

			e = newEnv(t, func(c *Config) { c.AuthFailureRate, c.AuthFailureBurst = rate.Every(3600e9), 1 })
			wantError(t, e.send(ep.path, "", form, body, e.svc.ID, "wrong"), 401, "invalid_client")
			r = e.send(ep.path, "", form, body, e.svc.ID, e.svc.secret)
			wantError(t, r, 429, "temporarily_unavailable")
			if r.header.Get("Retry-After") == "" {
				t.Fatal("no Retry-After")
			}
		})
	}
}
