package oauth

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// TestRegisterRequireMFA: require_mfa registers with a client (RFC 7591
// metadata, echoed back), and /authorize then sends a password-only
// session to the second-factor step instead of issuing a code; a client
// without it gets its code.
func TestRegisterRequireMFA(t *testing.T) {
	e := newEnv(t, openRegistration)
	for _, want := range []bool{true, false} {
		meta := regMeta("https://app.example/cb")
		meta["require_mfa"] = want
		r := e.register("POST", "/register", meta, "")
		var got struct {
			ClientID   string `json:"client_id"`
			Secret     string `json:"client_secret"`
			RequireMFA bool   `json:"require_mfa"`
		}
		if r.status != 201 || json.Unmarshal([]byte(r.raw), &got) != nil || got.RequireMFA != want {
			t.Fatalf("register require_mfa=%v: %d %s", want, r.status, r.raw)
		}
		c := testClient{Client: authcore.Client{ID: got.ClientID, Type: authcore.Confidential,
			AuthMethod: authcore.AuthSecretBasic, RedirectURIs: []string{"https://app.example/cb"}}, secret: got.Secret}
		// The env's browser signs in (password only) and follows
		// redirects: it ends at the second-factor step or with a code.
		q := authParams(c, "mfa-verifier-0123456789-0123456789-0123456789")
		q.Set("scope", "openid")
		resp := e.authorize(q.Encode())
		end := resp.Request.URL.Path
		if code := strings.Contains(resp.Header.Get("Location"), "code="); (end == "/login/mfa") != want || code == want {
			t.Errorf("require_mfa=%v: authorize ended at %d %s (Location %q)", want, resp.StatusCode, resp.Request.URL, resp.Header.Get("Location"))
		}
	}
}
