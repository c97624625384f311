package oidc

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore/dpop"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// The error answers of /userinfo, byte for byte: status, the headers that
// carry meaning, and the body (testdata/userinfo_errors.golden; go test
// -update rewrites it).
func TestUserinfoErrorsGolden(t *testing.T) {
	p, _ := newTestProvider(t)
	mux := http.NewServeMux()
	p.Mount(mux)
	token := func(scope string, cnf *dpop.Binding) string {
		c := accessClaims{Scope: scope, ClientID: "c1", Cnf: cnf, RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "https://as.example", Subject: "nobody", Audience: jwt.ClaimStrings{"https://as.example"}, ID: "jti-" + scope,
			IssuedAt: jwt.NewNumericDate(fixedNow), ExpiresAt: jwt.NewNumericDate(fixedNow.Add(time.Minute))}}
		s, err := fakeSigner{}.Sign("ES256", typAccessToken, c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := []struct {
		name, method, target string
		header               http.Header
	}{
		{"no token", "GET", "/userinfo", nil},
		{"token only in the query", "GET", "/userinfo?access_token=x", nil},
		{"two Authorization headers", "GET", "/userinfo", http.Header{"Authorization": {"Bearer a", "Bearer b"}}},
		{"header and query", "GET", "/userinfo?access_token=x", http.Header{"Authorization": {"Bearer " + token("openid", nil)}}},
		{"invalid token", "GET", "/userinfo", http.Header{"Authorization": {"Bearer a.b.c"}}},
		{"no openid scope", "GET", "/userinfo", http.Header{"Authorization": {"Bearer " + token("profile", nil)}}},
		{"unknown user", "GET", "/userinfo", http.Header{"Authorization": {"Bearer " + token("openid", nil)}}},
		{"DPoP-bound as Bearer", "GET", "/userinfo", http.Header{"Authorization": {"Bearer " + token("openid", &dpop.Binding{JKT: "k"})}}},
		{"unbound as DPoP", "GET", "/userinfo", http.Header{"Authorization": {"DPoP " + token("openid", nil)}}},
		{"DPoP without a proof", "GET", "/userinfo", http.Header{"Authorization": {"DPoP " + token("openid", &dpop.Binding{JKT: "k"})}}},
		{"certificate-bound without the certificate", "GET", "/userinfo", http.Header{"Authorization": {"Bearer " + token("openid", &dpop.Binding{X5T: "t"})}}},
		{"wrong method", "DELETE", "/userinfo", nil},
		{"wrong method at end_session", "PUT", "/end_session", nil},
	}
	var b strings.Builder
	for _, c := range cases {
		r := httptest.NewRequest(c.method, c.target, nil)
		for k, vs := range c.header {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		testsupport.WriteAnswer(&b, c.name, rec, "WWW-Authenticate", "Allow", "Content-Type", "Cache-Control", "Pragma")
	}
	testsupport.Golden(t, "testdata/userinfo_errors.golden", b.String(), *update)
}

// A failure behind /userinfo (the store) is answered 503 with no
// description, the one writer's bare temporarily_unavailable.
func TestUnavailableBytes(t *testing.T) {
	rec := httptest.NewRecorder()
	writeError(rec, unavailable())
	if rec.Code != 503 || rec.Body.String() != `{"error":"temporarily_unavailable"}`+"\n" ||
		rec.Header().Get("WWW-Authenticate") != "" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v %q", rec.Code, rec.Header(), rec.Body)
	}
}
