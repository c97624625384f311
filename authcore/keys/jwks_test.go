package keys

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/authcore"
)

// jwksKids parses a JWKS body and returns its kids in order.
func jwksKids(t testing.TB, body []byte) []string {
	t.Helper()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k["kid"].(string))
	}
	return kids
}

// TestJWKSPublicOnly is KEY-01: only public members, unique kids, each
// key with kid, kty, alg, use (and crv), and each kid its RFC 7638
// thumbprint.
func TestJWKSPublicOnly(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Algorithms = []string{ES256, RS256, PS256, EdDSA} })
	body, _ := e.m.JWKS()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 8 {
		t.Fatalf("%d keys, want 8", len(set.Keys))
	}
	kty := map[string]string{ES256: "EC", RS256: "RSA", PS256: "RSA", EdDSA: "OKP"}
	allowed := map[string][]string{"EC": {"kty", "kid", "alg", "use", "crv", "x", "y"},
		"RSA": {"kty", "kid", "alg", "use", "n", "e"}, "OKP": {"kty", "kid", "alg", "use", "crv", "x"}}
	seen := map[string]bool{}
	for _, k := range set.Keys {
		alg, _ := k["alg"].(string)
		if k["kty"] != kty[alg] || k["use"] != "sig" {
			t.Fatalf("key %v", k)
		}
		for m := range k {
			if !slices.Contains(allowed[kty[alg]], m) {
				t.Fatalf("member %q in %v", m, k)
			}
		}
		if len(k) != len(allowed[kty[alg]]) {
			t.Fatalf("members missing in %v", k)
		}
		kid := k["kid"].(string)
		if seen[kid] {
			t.Fatalf("duplicate kid %s", kid)
		}
		seen[kid] = true
		raw, _ := json.Marshal(k)
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil || !jwk.IsPublic() {
			t.Fatalf("parse %s: %v", raw, err)
		}
		if tp, _ := thumbprint(jwk.Key); tp != kid {
			t.Fatalf("kid %s, thumbprint %s", kid, tp)
		}
	}
}

// TestThumbprintRFC7638 checks the kid function against RFC 7638 §3.1.
func TestThumbprintRFC7638(t *testing.T) {
	n, _ := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	if kid, _ := thumbprint(crypto.PublicKey(pub)); kid != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("thumbprint %s", kid)
	}
}

func TestJWKSHoldsNextActiveRetiredNotRevoked(t *testing.T) {
	e := newEnv(t, nil)
	active, next := byState(e.m, ES256, authcore.KeyActive)[0], byState(e.m, ES256, authcore.KeyNext)[0]
	e.clock.Advance(e.cfg.JWKSMaxAge)
	if err := e.m.Rotate(context.Background(), "", "admin"); err != nil {
		t.Fatal(err)
	}
	body, _ := e.m.JWKS()
	kids := jwksKids(t, body)
	newNext := byState(e.m, ES256, authcore.KeyNext)[0]
	if len(kids) != 3 || kids[0] != next || kids[1] != newNext || kids[2] != active {
		t.Fatalf("JWKS kids %v, want active %s, next %s, retired %s", kids, next, newNext, active)
	}
	if err := e.m.Revoke(context.Background(), active, "admin", "test"); err != nil {
		t.Fatal(err)
	}
	body, _ = e.m.JWKS()
	if kids := jwksKids(t, body); slices.Contains(kids, active) || len(kids) != 2 {
		t.Fatalf("revoked key still published: %v", kids)
	}
}

func TestServeJWKS(t *testing.T) {
	e := newEnv(t, nil)
	get := func(method string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/jwks.json", nil)
		for i := 0; i < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		e.m.ServeHTTP(w, r)
		return w
	}
	w := get("GET")
	body, etag := e.m.JWKS()
	if w.Code != 200 || w.Body.String() != string(body) || w.Header().Get("Content-Type") != "application/json" ||
		w.Header().Get("Cache-Control") != "public, max-age=600" || w.Header().Get("ETag") != etag || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("GET: %d %v %s", w.Code, w.Header(), w.Body)
	}
	for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag, "*"} {
		if w := get("GET", "If-None-Match", inm); w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
			t.Fatalf("If-None-Match %s: %d", inm, w.Code)
		}
	}
	if w := get("GET", "If-None-Match", `"other"`); w.Code != 200 {
		t.Fatalf("stale ETag: %d", w.Code)
	}
	if w := get("HEAD"); w.Code != 200 || w.Body.Len() != 0 {
		t.Fatalf("HEAD: %d", w.Code)
	}
	if w := get("POST"); w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", w.Code)
	}
	// No change: same bytes and ETag; a change: a new ETag.
	e.clock.Advance(time.Minute)
	if err := e.m.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b2, e2 := e.m.JWKS(); e2 != etag || &b2[0] != &body[0] {
		t.Fatalf("JWKS rebuilt without a change")
	}
	e.clock.Advance(e.cfg.JWKSMaxAge)
	if err := e.m.Rotate(context.Background(), "", "admin"); err != nil {
		t.Fatal(err)
	}
	if _, e2 := e.m.JWKS(); e2 == etag {
		t.Fatalf("ETag unchanged after a rotation")
	}
	if w := get("GET", "If-None-Match", etag); w.Code != 200 {
		t.Fatalf("old ETag after rotation: %d", w.Code)
	}
}
