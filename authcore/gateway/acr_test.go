package gateway

import (
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// TestRouteRequiresACR: a route that needs mfa takes tokens of an mfa or
// phishing-resistant sign-in and answers every weaker one (password, an
// unknown class, none) with 401 and the RFC 9470 challenge naming the
// acr it needs; a route with a foreign class needs that exact value.
func TestRouteRequiresACR(t *testing.T) {
	e := newEnv(t, func(up string) []Route {
		return []Route{
			{Name: "api", Prefix: "/api/", Upstream: up, Scopes: []string{"profile"}, ACR: authcore.ACRMFA},
			{Name: "gold", Prefix: "/gold/", Upstream: up, ACR: "urn:example:gold"},
		}
	}, nil)
	// RFC 9470 §3, and RFC 9728's resource_metadata in every 401.
	const weak = `Bearer realm="api", error="insufficient_user_authentication", acr_values="urn:latchkey:acr:mfa", resource_metadata="http://example.com/.well-known/oauth-protected-resource/api"`
	tests := []struct {
		path, acr string
		want      int
		challenge string
	}{
		{"/api/x", authcore.ACRMFA, 200, ""},
		{"/api/x", authcore.ACRPhishingResistant, 200, ""},
		{"/api/x", authcore.ACRPassword, 401, weak},
		{"/api/x", "", 401, weak},
		{"/api/x", "urn:example:gold", 401, weak},
		{"/gold/x", "urn:example:gold", 200, ""},
		{"/gold/x", authcore.ACRPhishingResistant, 401, `Bearer realm="gold", error="insufficient_user_authentication", acr_values="urn:example:gold", resource_metadata="http://example.com/.well-known/oauth-protected-resource/gold"`},
	}
	for _, tc := range tests {
		tok := e.iss.token(e.clk.Now(), func(_, c map[string]any) {
			if tc.acr != "" {
				c["acr"] = tc.acr
			}
		})
		w := e.do("GET", tc.path, bearer(tok), nil)
		if w.Code != tc.want || w.Header().Get("WWW-Authenticate") != tc.challenge {
			t.Errorf("%s with acr %q: %d %q, want %d %q", tc.path, tc.acr, w.Code, w.Header().Get("WWW-Authenticate"), tc.want, tc.challenge)
		}
	}
	if err := (Route{Prefix: "/x/", Upstream: "http://127.0.0.1:1", Audience: "a", ACR: `bad "acr"`}).Validate(); err == nil {
		t.Error("an acr with a quote was accepted")
	}
}
