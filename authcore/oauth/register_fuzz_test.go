package oauth

import (
	"encoding/json"
	"testing"
)

// FuzzRegistrationMetadata: no registration body panics the decoder or
// the registration checks (docs/security.md RL-14).
func FuzzRegistrationMetadata(f *testing.F) {
	f.Add(`{"redirect_uris":["https://app.example/cb"],"client_name":"x","scope":"openid"}`)
	f.Add(`{"jwks":{"keys":[]},"logo_uri":"https://[::1]/","tls_client_auth_san_ip":"::1"}`)
	f.Add(`{"response_types":["code"],"grant_types":null,"contacts":[""]}`)
	s := &Server{}
	f.Fuzz(func(t *testing.T, body string) {
		var req registrationRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		spec, err := s.spec(req)
		if err == nil {
			_ = validateDisplayURI(spec.LogoURI)
		}
		_ = registrationError(err)
	})
}
