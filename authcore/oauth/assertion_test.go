package oauth

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCheckClaims pins the reason behind each refusal of the HTTP matrix
// (TestClientAssertionMatrix) at the claims level.
func TestCheckClaims(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	r := assertionRules{clientID: "c1", issuer: "https://as.example", now: now, maxLifetime: 5 * time.Minute}
	const base = `"iss":"c1","sub":"c1","jti":"j"`
	at := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	tests := []struct {
		name, claims string
		ok           bool
	}{
		{"valid", `{` + base + `,"aud":"https://as.example","exp":` + at(time.Minute) + `}`, true},
		{"aud one-element array", `{` + base + `,"aud":["https://as.example"],"exp":` + at(time.Minute) + `}`, true},
		{"aud two-element array", `{` + base + `,"aud":["https://as.example","https://as.example"],"exp":` + at(time.Minute) + `}`, false},
		{"aud number", `{` + base + `,"aud":1,"exp":` + at(time.Minute) + `}`, false},
		{"aud null", `{` + base + `,"aud":null,"exp":` + at(time.Minute) + `}`, false},
		{"exp within leeway", `{` + base + `,"aud":"https://as.example","exp":` + at(-20*time.Second) + `}`, true},
		{"exp past leeway", `{` + base + `,"aud":"https://as.example","exp":` + at(-31*time.Second) + `}`, false},
		{"exp fractional", `{` + base + `,"aud":"https://as.example","exp":` + at(time.Minute) + `.5}`, true},
		{"exp huge", `{` + base + `,"aud":"https://as.example","exp":1e300}`, false},
		{"exp negative", `{` + base + `,"aud":"https://as.example","exp":-1}`, false},
		{"exp string", `{` + base + `,"aud":"https://as.example","exp":"` + at(time.Minute) + `"}`, false},
		{"iat exactly +10 s", `{` + base + `,"aud":"https://as.example","iat":` + at(10*time.Second) + `,"exp":` + at(time.Minute) + `}`, true},
		{"iat +11 s", `{` + base + `,"aud":"https://as.example","iat":` + at(11*time.Second) + `,"exp":` + at(time.Minute) + `}`, false},
		{"nbf +11 s", `{` + base + `,"aud":"https://as.example","nbf":` + at(11*time.Second) + `,"exp":` + at(time.Minute) + `}`, false},
		{"lifetime exactly 5 min", `{` + base + `,"aud":"https://as.example","iat":` + at(0) + `,"exp":` + at(5*time.Minute) + `}`, true},
		{"lifetime 5 min 1 s", `{` + base + `,"aud":"https://as.example","iat":` + at(0) + `,"exp":` + at(5*time.Minute+time.Second) + `}`, false},
		{"jti empty", `{"iss":"c1","sub":"c1","jti":"","aud":"https://as.example","exp":` + at(time.Minute) + `}`, false},
		{"sub other", `{"iss":"c1","sub":"c2","jti":"j","aud":"https://as.example","exp":` + at(time.Minute) + `}`, false},
		{"not an object", `[1,2]`, false},
	}
	for _, tc := range tests {
		_, err := checkClaims([]byte(tc.claims), r)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "oauth: ") {
			t.Errorf("%s: error %q lacks the package prefix", tc.name, err)
		}
	}
}

// FuzzPreparseAssertion feeds arbitrary client_assertion values to the
// code that runs before any signature check: it must never panic, and
// whatever it accepts is a bounded three-segment compact JWS.
func FuzzPreparseAssertion(f *testing.F) {
	seg := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	f.Add(seg(`{"alg":"ES256","kid":"k1"}`) + "." + seg(`{"sub":"c1","exp":1}`) + ".sig")
	f.Add(seg(`{"alg":"none"}`) + "." + seg(`{}`) + ".")
	f.Add("..")
	f.Add(strings.Repeat(".", 100))
	f.Add("a.b.c.d")
	f.Add(seg(`{"alg":"ES256","jku":"http://127.0.0.1/"}`) + "." + seg(`{"sub":["x"]}`) + ".x")
	f.Fuzz(func(t *testing.T, a string) {
		h, err := preparseAssertion(a)
		if err == nil {
			if len(a) > maxAssertionBytes || strings.Count(a, ".") != 2 || h.Alg == "" {
				t.Fatalf("accepted %q", a)
			}
		}
		if sub := unverifiedSubject(a); len(sub) > 256 {
			t.Fatalf("subject of %d bytes", len(sub))
		}
		if parts := strings.SplitN(a, ".", 3); len(parts) == 3 {
			if raw, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
				_, _ = checkClaims(raw, assertionRules{clientID: "c1", issuer: "https://as.example",
					now: time.Unix(1_800_000_000, 0), maxLifetime: time.Minute})
			}
		}
	})
}
