package oauth

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// countingSigner counts Verify calls of the fake signer; genSigner also
// tells the key generation, as keys.Manager does through its JWKS ETag,
// which changes when the key is revoked.
type countingSigner struct {
	*fakeSigner
	verifies atomic.Int32
}

func (c *countingSigner) Verify(token, typ string, claims jwt.Claims) (string, error) {
	c.verifies.Add(1)
	return c.fakeSigner.Verify(token, typ, claims)
}

type genSigner struct{ *countingSigner }

func (g genSigner) JWKS() ([]byte, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.revoked {
		return []byte(`{"keys":[]}`), `"v2"`
	}
	return []byte(`{"keys":[{}]}`), `"v1"`
}

// cachingEnv is an env whose signer has key generations, so introspection
// caches verified tokens.
func cachingEnv(t *testing.T) (*env, *countingSigner) {
	var cs *countingSigner
	e := newEnv(t, func(c *Config) {
		cs = &countingSigner{fakeSigner: c.Signer.(*fakeSigner)}
		c.Signer = genSigner{cs}
	})
	return e, cs
}

func (e *env) svcToken() string {
	e.t.Helper()
	r := e.post("/token", map[string][]string{"grant_type": {"client_credentials"}}, &e.svc)
	if r.status != 200 {
		e.t.Fatalf("token: %d %s", r.status, r.raw)
	}
	return r.str("access_token")
}

// TestIntrospectCacheSkipsVerify: the second introspection of a token does
// not verify its signature again, and answers the same.
func TestIntrospectCacheSkipsVerify(t *testing.T) {
	e, cs := cachingEnv(t)
	tok := e.svcToken()
	first := e.introspect(e.svc, tok)
	n := cs.verifies.Load()
	second := e.introspect(e.svc, tok)
	if first.body["active"] != true || first.raw != second.raw {
		t.Fatalf("answers differ:\n%s\n%s", first.raw, second.raw)
	}
	if cs.verifies.Load() != n {
		t.Errorf("cached token verified again (%d -> %d)", n, cs.verifies.Load())
	}
	// The caller check is made per request, not cached: another client
	// without the token's audience sees it inactive.
	if r := e.introspect(e.web, tok); r.status != 200 || r.body["active"] != false || len(r.body) != 1 {
		t.Errorf("foreign caller: %d %s", r.status, r.raw)
	}
}

// TestIntrospectCacheRevokedToken: a token revoked at /revoke, or through
// its grant, is inactive at the next introspection although its
// verification is cached.
func TestIntrospectCacheRevokedToken(t *testing.T) {
	e, _ := cachingEnv(t)
	tok := e.svcToken()
	if !e.active(e.svc, tok) {
		t.Fatal("fresh token inactive")
	}
	if r := e.post("/revoke", map[string][]string{"token": {tok}}, &e.svc); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if e.active(e.svc, tok) {
		t.Fatal("revoked token still active (served from the cache)")
	}

	user := e.tokens(e.web)
	at := user.str("access_token")
	if !e.active(e.web, at) {
		t.Fatal("user token inactive")
	}
	if r := e.post("/revoke", map[string][]string{"token": {user.str("refresh_token")}}, &e.web); r.status != 200 {
		t.Fatalf("revoke refresh token: %d %s", r.status, r.raw)
	}
	if e.active(e.web, at) {
		t.Fatal("access token of a revoked grant still active (served from the cache)")
	}
}

// TestIntrospectCacheRevokedKey: after an emergency key revocation every
// token the key signed is inactive at once, cached or not.
func TestIntrospectCacheRevokedKey(t *testing.T) {
	e, _ := cachingEnv(t)
	tok := e.svcToken()
	for call := range 2 { // the first call fills the cache, the second reads it
		if !e.active(e.svc, tok) {
			t.Fatalf("fresh token inactive (call %d)", call+1)
		}
	}
	e.signer.revokeKey()
	if e.active(e.svc, tok) {
		t.Fatal("token of a revoked key still active (served from the cache)")
	}
}

// TestIntrospectCacheExpiry: an entry is not served past the token's exp
// (the signer decides from then on, with its leeway), nor past the cache
// TTL for a long-lived token.
func TestIntrospectCacheExpiry(t *testing.T) {
	e, cs := cachingEnv(t)
	now := e.clock.Now()
	short, err := e.signer.Sign("", typAccessToken, &accessClaims{ClientID: e.svc.ID, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: e.ts.URL, Subject: e.svc.ID, ID: "short-lived", IssuedAt: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Second))}})
	if err != nil {
		t.Fatal(err)
	}
	if !e.active(e.svc, short) {
		t.Fatal("short-lived token inactive")
	}
	n := cs.verifies.Load()
	e.clock.Advance(4 * time.Second)
	_ = e.active(e.svc, short)
	if cs.verifies.Load() != n {
		t.Fatal("not cached before exp")
	}
	e.clock.Advance(2 * time.Second) // past exp, within the fake signer's 30 s leeway
	_ = e.active(e.svc, short)
	if cs.verifies.Load() != n+1 {
		t.Fatal("cache entry served past the token's exp")
	}
	e.clock.Advance(31 * time.Second)
	if e.active(e.svc, short) {
		t.Fatal("expired token active")
	}

	long := e.svcToken()
	_ = e.active(e.svc, long)
	n = cs.verifies.Load()
	e.clock.Advance(introspectTTL)
	if !e.active(e.svc, long) || cs.verifies.Load() != n+1 {
		t.Fatal("cache entry served past the TTL")
	}
}

// TestIntrospectNoCacheWithoutGeneration: a signer that cannot tell when
// its keys change gets no cache: every introspection verifies.
func TestIntrospectNoCacheWithoutGeneration(t *testing.T) {
	var cs *countingSigner
	e := newEnv(t, func(c *Config) {
		cs = &countingSigner{fakeSigner: c.Signer.(*fakeSigner)}
		c.Signer = cs
	})
	tok := e.svcToken()
	_ = e.active(e.svc, tok)
	n := cs.verifies.Load()
	_ = e.active(e.svc, tok)
	if cs.verifies.Load() != n+1 {
		t.Fatal("introspection cached without a key generation")
	}
}
