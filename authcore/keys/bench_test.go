package keys

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The token endpoint's hot path: go test -bench . -benchmem ./authcore/keys/
func benchSign(b *testing.B, alg string) {
	e := newEnv(b, func(c *Config) { c.Algorithms = []string{alg} })
	c := claimsFor(e.clock.Now(), 10*time.Minute)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.m.Sign(alg, "at+jwt", c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSignES256(b *testing.B) { benchSign(b, ES256) }
func BenchmarkSignEdDSA(b *testing.B) { benchSign(b, EdDSA) }
func BenchmarkSignRS256(b *testing.B) { benchSign(b, RS256) }
func BenchmarkSignPS256(b *testing.B) { benchSign(b, PS256) }

func benchVerify(b *testing.B, alg string) {
	e := newEnv(b, func(c *Config) { c.Algorithms = []string{alg} })
	tok := e.sign(b, alg)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.m.Verify(tok, "at+jwt", &jwt.RegisteredClaims{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerifyES256(b *testing.B) { benchVerify(b, ES256) }
func BenchmarkVerifyEdDSA(b *testing.B) { benchVerify(b, EdDSA) }
func BenchmarkVerifyRS256(b *testing.B) { benchVerify(b, RS256) }

// BenchmarkVerifyRejectOversize: the pre-check costs no parsing.
func BenchmarkVerifyRejectOversize(b *testing.B) {
	e := newEnv(b, nil)
	tok := string(make([]byte, 1<<20))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = e.m.Verify(tok, "at+jwt", &jwt.RegisteredClaims{})
	}
}

func BenchmarkServeJWKS304(b *testing.B) {
	e := newEnv(b, nil)
	_, etag := e.m.JWKS()
	r := httptest.NewRequest("GET", "/jwks.json", nil)
	r.Header.Set("If-None-Match", etag)
	b.ReportAllocs()
	for b.Loop() {
		e.m.ServeHTTP(httptest.NewRecorder(), r)
	}
}
