package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
)

// Every refusal of /bc-authorize is the CIBA Core 1.0 §13 error in the
// OAuth error shape: public clients, clients without the grant, bad
// credentials, hints, scopes, binding messages, expiries, unsupported
// parameters. An unknown user and a disabled one get the same answer
// (docs/security.md CIBA-01).
func TestCIBARequestErrors(t *testing.T) {
	e := newCIBAEnv(t)
	ctx := context.Background()
	id, secret := e.client("Teller", "poll", "")
	pingID, pingSecret := e.client("Call centre", "ping", "http://127.0.0.1:9/cb")
	public, _, err := e.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "SPA", Type: authcore.Public,
		RedirectURIs: []string{"http://127.0.0.1:9/cb"}, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	plain, plainSecret, err := e.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Batch",
		GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := e.srv.Login.CreateUser(ctx, login.UserSpec{Username: "bob", Password: "bob-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Login.SetDisabled(ctx, bob.ID, true); err != nil {
		t.Fatal(err)
	}
	ok := url.Values{"scope": {"openid"}, "login_hint": {"alice"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range ok {
			v[k] = slices.Clone(vs)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	tests := []struct {
		name       string
		id, secret string
		form       url.Values
		status     int
		code       string
	}{
		{"public client", "", "", url.Values{"client_id": {public.ID}, "scope": {"openid"}, "login_hint": {"alice"}}, 400, "unauthorized_client"},
		{"client without the grant", plain.ID, plainSecret, ok, 400, "unauthorized_client"},
		{"wrong secret", id, "nope", ok, 401, "invalid_client"},
		{"no hint", id, secret, with("login_hint", ""), 400, "invalid_request"},
		{"two hints", id, secret, with("id_token_hint", "x.y.z"), 400, "invalid_request"},
		{"login_hint_token", id, secret, with("login_hint", "", "login_hint_token", "eyJ.x.y"), 400, "invalid_request"},
		{"unknown user", id, secret, with("login_hint", "mallory"), 400, "unknown_user_id"},
		{"disabled user", id, secret, with("login_hint", "bob"), 400, "unknown_user_id"},
		{"no openid", id, secret, with("scope", "profile"), 400, "invalid_request"},
		{"scope not allowed", id, secret, with("scope", "openid orders:write"), 400, "invalid_scope"},
		{"long binding message", id, secret, with("binding_message", strings.Repeat("x", 65)), 400, "invalid_binding_message"},
		{"control character", id, secret, with("binding_message", "pay\n100"), 400, "invalid_binding_message"},
		{"zero expiry", id, secret, with("requested_expiry", "0"), 400, "invalid_request"},
		{"negative expiry", id, secret, with("requested_expiry", "-5"), 400, "invalid_request"},
		{"expiry not a number", id, secret, with("requested_expiry", "soon"), 400, "invalid_request"},
		{"expiry too long", id, secret, with("requested_expiry", "86400"), 400, "invalid_request"},
		{"user_code", id, secret, with("user_code", "1234"), 400, "invalid_request"},
		{"signed request", id, secret, with("request", "eyJ.x.y"), 400, "invalid_request"},
		{"ping without notification token", pingID, pingSecret, ok, 400, "invalid_request"},
		{"notification token with a space", pingID, pingSecret, with("client_notification_token", "a b"), 400, "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, m := e.post("/bc-authorize", tc.id, tc.secret, tc.form)
			if st != tc.status || m["error"] != tc.code {
				t.Fatalf("%d %v, want %d %s", st, m, tc.status, tc.code)
			}
			for k := range m {
				if k != "error" && k != "error_description" {
					t.Fatalf("error answer has member %q: %v", k, m)
				}
			}
		})
	}
	e.start(id, secret, with("login_hint", "ALICE")) // usernames are case-insensitive
	resp, err := http.Get(e.issuer + "/bc-authorize")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /bc-authorize: %d", resp.StatusCode)
	}
	if st, m := e.poll(id, secret, "unknown"); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("unknown auth_req_id: %d %v", st, m)
	}
	if st, m := e.post("/token", id, secret, url.Values{"grant_type": {authcore.GrantCIBA}}); st != 400 || m["error"] != "invalid_request" {
		t.Fatalf("no auth_req_id: %d %v", st, m)
	}
}

// CIBA client metadata (CIBA Core 1.0 §4) as the console, the CLI and
// dynamic registration set it: confidential clients only, poll or ping,
// a ping client's notification endpoint https (http only on loopback
// while the issuer is too), push, signed requests and user codes
// refused (docs/security.md CIBA-05).
func TestCIBAClientMetadata(t *testing.T) {
	e := newCIBAEnv(t, func(c *server.Config) { c.Registration = oauth.RegistrationConfig{Enabled: true, Open: true} })
	ctx := context.Background()
	base := func(edit func(*oauth.ClientSpec)) oauth.ClientSpec {
		s := oauth.ClientSpec{Name: "Bank", GrantTypes: []string{authcore.GrantCIBA}, Scopes: []string{"openid"},
			BackchannelTokenDeliveryMode: "poll"}
		edit(&s)
		return s
	}
	tests := []struct {
		name string
		edit func(*oauth.ClientSpec)
		ok   bool
	}{
		{"poll", func(*oauth.ClientSpec) {}, true},
		{"ping https", func(s *oauth.ClientSpec) {
			s.BackchannelTokenDeliveryMode, s.BackchannelClientNotificationEndpoint = "ping", "https://rp.example/ciba"
		}, true},
		{"ping on loopback with a loopback issuer", func(s *oauth.ClientSpec) {
			s.BackchannelTokenDeliveryMode, s.BackchannelClientNotificationEndpoint = "ping", "http://127.0.0.1:8080/ciba"
		}, true},
		{"public client", func(s *oauth.ClientSpec) { s.Type = authcore.Public }, false},
		{"no mode", func(s *oauth.ClientSpec) { s.BackchannelTokenDeliveryMode = "" }, false},
		{"push", func(s *oauth.ClientSpec) {
			s.BackchannelTokenDeliveryMode, s.BackchannelClientNotificationEndpoint = "push", "https://rp.example/ciba"
		}, false},
		{"ping without endpoint", func(s *oauth.ClientSpec) { s.BackchannelTokenDeliveryMode = "ping" }, false},
		{"ping over plain http", func(s *oauth.ClientSpec) {
			s.BackchannelTokenDeliveryMode, s.BackchannelClientNotificationEndpoint = "ping", "http://rp.example/ciba"
		}, false},
		{"endpoint with fragment", func(s *oauth.ClientSpec) {
			s.BackchannelTokenDeliveryMode, s.BackchannelClientNotificationEndpoint = "ping", "https://rp.example/ciba#x"
		}, false},
		{"poll with endpoint", func(s *oauth.ClientSpec) { s.BackchannelClientNotificationEndpoint = "https://rp.example/ciba" }, false},
		{"signed requests", func(s *oauth.ClientSpec) { s.BackchannelAuthenticationRequestSigningAlg = "ES256" }, false},
		{"user codes", func(s *oauth.ClientSpec) { s.BackchannelUserCodeParameter = true }, false},
		{"mode without the grant", func(s *oauth.ClientSpec) { s.GrantTypes = []string{authcore.GrantClientCredentials} }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := e.srv.OAuth.CreateClient(ctx, base(tc.edit))
			if (err == nil) != tc.ok {
				t.Fatalf("CreateClient: %v, want ok=%v", err, tc.ok)
			}
			if err == nil && !c.AllowsGrant(authcore.GrantCIBA) {
				t.Fatalf("client %+v", c)
			}
		})
	}
	register := func(body map[string]any) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		resp, err := http.Post(e.issuer+"/register", "application/json", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, decodeJSON(t, resp)
	}
	st, m := register(map[string]any{"grant_types": []string{authcore.GrantCIBA}, "scope": "openid",
		"backchannel_token_delivery_mode": "ping", "backchannel_client_notification_endpoint": "https://rp.example/ciba"})
	if st != 201 || m["backchannel_token_delivery_mode"] != "ping" || m["backchannel_client_notification_endpoint"] != "https://rp.example/ciba" {
		t.Fatalf("dynamic registration of a ping client: %d %v", st, m)
	}
	for name, body := range map[string]map[string]any{
		"loopback endpoint": {"grant_types": []string{authcore.GrantCIBA}, "scope": "openid",
			"backchannel_token_delivery_mode": "ping", "backchannel_client_notification_endpoint": "http://127.0.0.1:9/ciba"},
		"user codes": {"grant_types": []string{authcore.GrantCIBA}, "scope": "openid",
			"backchannel_token_delivery_mode": "poll", "backchannel_user_code_parameter": true},
	} {
		if st, m := register(body); st != 400 || m["error"] != "invalid_client_metadata" {
			t.Errorf("dynamic registration with %s: %d %v", name, st, m)
		}
	}
}

// An accepted request and an unknown user's refusal both take at least
// the answer floor, so the time of the answer tells no more than the
// work past it.
func TestCIBAUnknownUserAnswerFloor(t *testing.T) {
	e := newCIBAEnv(t, func(c *server.Config) { c.CIBA.AnswerFloor = 200 * time.Millisecond })
	id, secret := e.client("Teller", "poll", "")
	for _, hint := range []string{"alice", "mallory"} {
		start := time.Now()
		st, m := e.post("/bc-authorize", id, secret, url.Values{"scope": {"openid"}, "login_hint": {hint}})
		if took := time.Since(start); took < 200*time.Millisecond {
			t.Errorf("login_hint %s answered %d %v after %v, before the floor", hint, st, m["error"], took)
		}
	}
}

// With CIBA disabled, nothing of it is advertised or answered.
func TestCIBADisabled(t *testing.T) {
	e := newCIBAEnv(t, func(c *server.Config) { c.CIBA.Disabled = true })
	resp, err := http.Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	md := decodeJSON(t, resp)
	if _, ok := md["backchannel_authentication_endpoint"]; ok || slices.Contains(anyStrings(md["grant_types_supported"]), authcore.GrantCIBA) {
		t.Fatalf("CIBA advertised while disabled: %v", md)
	}
	id, secret := e.client("Teller", "poll", "")
	if st, _ := e.post("/bc-authorize", id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}}); st != 404 {
		t.Fatalf("/bc-authorize while disabled: %d", st)
	}
	if st, m := e.poll(id, secret, "x"); st != 400 || m["error"] != "unsupported_grant_type" {
		t.Fatalf("CIBA grant while disabled: %d %v", st, m)
	}
}
