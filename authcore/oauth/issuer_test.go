package oauth

import "testing"

// TestCheckIssuer: https anywhere; http only on a loopback name (a
// development machine), including subdomains of localhost; never a
// query, fragment or trailing slash.
func TestCheckIssuer(t *testing.T) {
	for _, tc := range []struct {
		issuer string
		ok     bool
	}{
		{"https://auth.example", true},
		{"https://auth.example:8443/tenant", true},
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8080", true},
		{"http://auth.app.localhost:8080", true},
		{"http://Auth.LOCALHOST", true},
		{"http://auth.example", false},
		{"http://localhost.example", false},
		{"http://evillocalhost", false},
		{"http://localhost.evil.example:80", false},
		{"http://10.0.0.1", false},
		{"ftp://localhost", false},
		{"https://auth.example/", false},
		{"https://auth.example?x=1", false},
		{"https://auth.example#f", false},
		{"https://user@auth.example", false},
		{"auth.example", false},
	} {
		if err := checkIssuer(tc.issuer); (err == nil) != tc.ok {
			t.Errorf("checkIssuer(%q) = %v, want ok %v", tc.issuer, err, tc.ok)
		}
	}
}
