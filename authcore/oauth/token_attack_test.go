package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestTokenAttacks is the token-endpoint attack table (docs/security.md
// TOK-01..TOK-17) with exact status and error.
func TestTokenAttacks(t *testing.T) {
	e := newEnv(t)
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	// fresh returns a new code for c and its verifier.
	fresh := func(c testClient) (string, string) {
		v := oauth2.GenerateVerifier()
		return e.code(c, v), v
	}
	raw := func(method, path, ctype, body string, c *testClient) tokenReply {
		req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if c != nil {
			req.SetBasicAuth(c.ID, c.secret)
		}
		return e.do(req)
	}
	wrong := e.web
	wrong.secret = "not-the-secret"
	cases := []struct {
		name   string
		run    func() tokenReply
		status int
		code   string
		check  func(t *testing.T, r tokenReply)
	}{
		{"code reuse revokes the first tokens", func() tokenReply {
			code, v := fresh(e.web)
			first := e.redeem(e.web, code, v)
			if first.status != 200 || !e.active(e.web, first.str("access_token")) {
				t.Fatalf("first redemption: %d %s", first.status, first.raw)
			}
			second := e.redeem(e.web, code, v)
			if e.active(e.web, first.str("access_token")) || e.active(e.web, first.str("refresh_token")) {
				t.Error("tokens of the first redemption still active after reuse")
			}
			return second
		}, 400, "invalid_grant", nil},
		{"wrong verifier burns the code", func() tokenReply {
			code, v := fresh(e.web)
			if r := e.redeem(e.web, code, oauth2.GenerateVerifier()); r.status != 400 || r.str("error") != "invalid_grant" {
				t.Fatalf("wrong verifier: %d %s", r.status, r.raw)
			}
			return e.redeem(e.web, code, v)
		}, 400, "invalid_grant", nil},
		{"missing verifier", func() tokenReply { c, _ := fresh(e.web); return e.redeem(e.web, c, "") }, 400, "invalid_grant", nil},
		{"short verifier", func() tokenReply { c, _ := fresh(e.web); return e.redeem(e.web, c, "a") }, 400, "invalid_grant", nil},
		{"long verifier", func() tokenReply {
			c, _ := fresh(e.web)
			return e.redeem(e.web, c, strings.Repeat("a", 129))
		}, 400, "invalid_grant", nil},
		{"non-ABNF verifier", func() tokenReply {
			c, v := fresh(e.web)
			return e.redeem(e.web, c, v[:len(v)-1]+"+")
		}, 400, "invalid_grant", nil},
		{"wrong client for code", func() tokenReply { c, v := fresh(e.web); return e.redeem(e.web2, c, v) }, 400, "invalid_grant", nil},
		{"public client sends another client_id", func() tokenReply {
			c, v := fresh(e.native)
			other := e.native
			other.Client.ID = e.web.ID
			return e.redeem(other, c, v)
		}, 400, "invalid_client", nil},
		{"redirect_uri differs", func() tokenReply {
			c, v := fresh(e.web)
			return e.post("/token", form("grant_type", "authorization_code", "code", c, "code_verifier", v,
				"redirect_uri", "https://app.example/cb/"), &e.web)
		}, 400, "invalid_grant", nil},
		{"redirect_uri omitted", func() tokenReply {
			c, v := fresh(e.web)
			return e.post("/token", form("grant_type", "authorization_code", "code", c, "code_verifier", v), &e.web)
		}, 400, "invalid_grant", nil},
		{"expired code", func() tokenReply {
			c, v := fresh(e.web)
			e.clock.Advance(61 * time.Second)
			return e.redeem(e.web, c, v)
		}, 400, "invalid_grant", nil},
		{"unknown code", func() tokenReply { return e.redeem(e.web, "garbage", oauth2.GenerateVerifier()) }, 400, "invalid_grant", nil},
		{"code missing", func() tokenReply { return e.post("/token", form("grant_type", "authorization_code"), &e.web) }, 400, "invalid_request", nil},
		{"wrong secret basic", func() tokenReply { return e.post("/token", form("grant_type", "client_credentials"), &wrong) }, 401, "invalid_client",
			func(t *testing.T, r tokenReply) {
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
					t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
				}
			}},
		{"unknown client basic", func() tokenReply {
			ghost := e.svc
			ghost.Client.ID = "nope"
			return e.post("/token", form("grant_type", "client_credentials"), &ghost)
		}, 401, "invalid_client", nil},
		{"wrong secret post", func() tokenReply {
			return e.post("/token", form("grant_type", "client_credentials", "client_id", e.svc.ID, "client_secret", "bad"), nil)
		}, 400, "invalid_client", nil},
		{"registered basic, used post", func() tokenReply {
			return e.post("/token", form("grant_type", "client_credentials", "client_id", e.svc.ID, "client_secret", e.svc.secret), nil)
		}, 400, "invalid_client", nil},
		{"basic and body secret", func() tokenReply {
			return e.post("/token", form("grant_type", "client_credentials", "client_secret", e.svc.secret), &e.svc)
		}, 400, "invalid_request", nil},
		{"basic and client_assertion", func() tokenReply {
			return e.post("/token", form("grant_type", "client_credentials", "client_assertion", "x.y.z",
				"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), &e.svc)
		}, 400, "invalid_request", nil},
		{"assertion for a client_secret_basic client", func() tokenReply {
			return e.post("/token", form("grant_type", "client_credentials", "client_id", e.svc.ID, "client_assertion", "x.y.z",
				"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), nil)
		}, 401, "invalid_client", nil},
		{"confidential without secret", func() tokenReply {
			return e.post("/token", form("grant_type", "client_credentials", "client_id", e.svc.ID), nil)
		}, 400, "invalid_client", nil},
		{"no client authentication", func() tokenReply { return e.post("/token", form("grant_type", "client_credentials"), nil) }, 400, "invalid_client", nil},
		{"secret in URL query", func() tokenReply {
			req, _ := http.NewRequest("POST", e.ts.URL+"/token?client_secret="+e.svc.secret,
				strings.NewReader("grant_type=client_credentials"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(e.svc.ID, e.svc.secret)
			return e.do(req)
		}, 400, "invalid_request", nil},
		{"unknown grant type", func() tokenReply { return e.post("/token", form("grant_type", "foo"), &e.svc) }, 400, "unsupported_grant_type", nil},
		{"password grant", func() tokenReply {
			return e.post("/token", form("grant_type", "password", "username", "alice", "password", "x"), &e.web)
		}, 400, "unsupported_grant_type", nil},
		{"implicit grant", func() tokenReply { return e.post("/token", form("grant_type", "implicit"), &e.web) }, 400, "unsupported_grant_type", nil},
		{"grant_type missing", func() tokenReply { return e.post("/token", form("scope", "x"), &e.svc) }, 400, "invalid_request", nil},
		{"grant_type twice", func() tokenReply {
			return e.post("/token", form("grant_type", "client_credentials", "grant_type", "client_credentials"), &e.svc)
		}, 400, "invalid_request", nil},
		{"grant not registered", func() tokenReply { return e.post("/token", form("grant_type", "client_credentials"), &e.web) }, 400, "unauthorized_client", nil},
		{"public client_credentials", func() tokenReply {
			return e.post("/token", form("grant_type", "client_credentials", "client_id", e.native.ID), nil)
		}, 400, "unauthorized_client", nil},
		{"cc scope not allowed", func() tokenReply {
			return e.post("/token", form("grant_type", "client_credentials", "scope", "latchkey:admin"), &e.svc)
		}, 400, "invalid_scope", nil},
		{"oversized body", func() tokenReply {
			return raw("POST", "/token", "application/x-www-form-urlencoded",
				"grant_type=client_credentials&x="+strings.Repeat("a", 70<<10), &e.svc)
		}, 413, "invalid_request", nil},
		{"JSON content type", func() tokenReply {
			return raw("POST", "/token", "application/json", `{"grant_type":"client_credentials"}`, &e.svc)
		}, 400, "invalid_request", nil},
		{"multipart content type", func() tokenReply {
			return raw("POST", "/token", "multipart/form-data; boundary=x", "--x--", &e.svc)
		}, 400, "invalid_request", nil},
		{"bad escape", func() tokenReply {
			return raw("POST", "/token", "application/x-www-form-urlencoded", "grant_type=%zz", &e.svc)
		}, 400, "invalid_request", nil},
		{"too many parameters", func() tokenReply {
			var b strings.Builder
			b.WriteString("grant_type=client_credentials")
			for i := 0; i < 1000; i++ {
				b.WriteString("&p" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "=" + "1")
			}
			return raw("POST", "/token", "application/x-www-form-urlencoded", b.String(), &e.svc)
		}, 400, "invalid_request", nil},
		{"GET /token", func() tokenReply { return raw("GET", "/token", "", "", nil) }, 405, "invalid_request",
			func(t *testing.T, r tokenReply) {
				if r.header.Get("Allow") != "POST" {
					t.Errorf("Allow = %q", r.header.Get("Allow"))
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.run()
			if r.status != tc.status || r.str("error") != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, tc.status, tc.code)
			}
			if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers: %v", r.header)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}
