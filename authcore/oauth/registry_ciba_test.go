package oauth

import "testing"

// A ping endpoint over http on loopback is for development only: it is
// accepted while the issuer is on loopback too, and refused for an
// https issuer (as redirect URIs keep production and development apart).
func TestNotificationEndpointFollowsTheIssuer(t *testing.T) {
	tests := []struct {
		issuer, endpoint string
		ok               bool
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:9000/ciba", true},
		{"http://localhost:8080", "http://[::1]:9000/ciba", true},
		{"http://auth.app.localhost:8080", "http://127.0.0.1:9000/ciba", true},
		{"https://id.example", "http://127.0.0.1:9000/ciba", false},
		{"https://id.example", "https://rp.example/ciba", true},
		{"https://id.example", "http://rp.example/ciba", false},
		{"https://id.example", "https://user@rp.example/ciba", false},
		{"https://id.example", "/ciba", false},
		{"https://id.example", "", false},
	}
	for _, tc := range tests {
		s := &Server{cfg: Config{Issuer: tc.issuer}}
		if err := s.validateNotificationEndpoint(tc.endpoint); (err == nil) != tc.ok {
			t.Errorf("issuer %s, endpoint %q: %v, want ok=%v", tc.issuer, tc.endpoint, err, tc.ok)
		}
	}
}
