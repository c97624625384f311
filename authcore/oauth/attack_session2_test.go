package oauth

import (
	"net/url"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// Attacks on this session's FAPI refresh without rotation and the
// introspection cache. Each states its exact expected outcome.

// keepsRefreshToken only for a confidential FAPI client whose refresh
// request is sender-constrained: a public client (even flagged FAPI), a
// non-FAPI client, or a FAPI client without DPoP/mTLS rotates.
func TestAttackKeepsRefreshTokenOnlyForConstrainedConfidentialFAPI(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client authcore.Client
		jkt    string
		x5t    string
		keep   bool
	}{
		{"fapi confidential dpop", authcore.Client{FAPI: true, Type: authcore.Confidential}, "jkt", "", true},
		{"fapi confidential mtls", authcore.Client{FAPI: true, Type: authcore.Confidential}, "", "x5t", true},
		{"fapi confidential unconstrained", authcore.Client{FAPI: true, Type: authcore.Confidential}, "", "", false},
		{"fapi public dpop", authcore.Client{FAPI: true, Type: authcore.Public}, "jkt", "", false},
		{"non-fapi confidential dpop", authcore.Client{Type: authcore.Confidential}, "jkt", "", false},
		{"non-fapi public dpop", authcore.Client{Type: authcore.Public}, "jkt", "", false},
	} {
		tr := &tokenRequest{client: tc.client, jkt: tc.jkt, x5t: tc.x5t}
		if got := keepsRefreshToken(tr); got != tc.keep {
			t.Errorf("%s: keepsRefreshToken = %v, want %v", tc.name, got, tc.keep)
		}
	}
}

// A stolen FAPI refresh token (it does not rotate, so it stays valid)
// presented with the thief's own DPoP key: without the client's
// private_key_jwt it is 400 invalid_client (no Authorization header was
// tried, RFC 6749 §5.2), with a forged alg=none assertion 401
// invalid_client.
// The client itself presenting another key is accepted by design (RFC
// 9449 §5: a confidential client's refresh token is bound to its
// authentication, not to a DPoP key), and the new access token is bound
// to the key that was proven, never to the old one.
func TestAttackStolenFAPIRefreshToken(t *testing.T) {
	e := newEnv(t)
	c, k := e.fapiClient(), newProofKey(t)
	rt := e.fapiTokens(c, k).str("refresh_token")
	thief := newProofKey(t)
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {c.ID}}
	if r := e.postDPoP(f, nil, e.tokenProof(thief)); r.status != 400 || r.str("error") != CodeInvalidClient {
		t.Fatalf("stolen refresh token without client authentication: %d %s", r.status, r.raw)
	}
	bad := withAssertion(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.")
	if r := e.postDPoP(bad, nil, e.tokenProof(thief)); r.status != 401 || r.str("error") != CodeInvalidClient {
		t.Fatalf("stolen refresh token with a forged assertion: %d %s", r.status, r.raw)
	}
	own := withAssertion(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, c.sign(t, e.claims(c), nil))
	r := e.postDPoP(own, nil, e.tokenProof(thief))
	if r.status != 200 || r.str("refresh_token") != rt || accessCnf(t, r.str("access_token"))["jkt"] != thief.jkt {
		t.Fatalf("client with a new key: %d %s", r.status, r.raw)
	}
}

// A public client never gets a non-rotating refresh token, DPoP or not:
// the old one presented again is reuse (400 invalid_grant) and revokes
// the family.
func TestAttackPublicClientRefreshRotates(t *testing.T) {
	e := newEnv(t)
	first := e.tokens(e.native)
	rt := first.str("refresh_token")
	if rt == "" {
		t.Fatalf("the public test client got no refresh token, so rotation cannot be tested: %s", first.raw)
	}
	next := e.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {e.native.ID}}, nil)
	if next.status != 200 || next.str("refresh_token") == "" || next.str("refresh_token") == rt {
		t.Fatalf("public refresh: %d %s", next.status, next.raw)
	}
	again := e.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {e.native.ID}}, nil)
	if again.status != 400 || again.str("error") != CodeInvalidGrant {
		t.Fatalf("reuse: %d %s", again.status, again.raw)
	}
	successor := e.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.str("refresh_token")},
		"client_id": {e.native.ID}}, nil)
	if successor.status != 400 || successor.str("error") != CodeInvalidGrant {
		t.Fatalf("the family survived the reuse: its newest refresh token answered %d %s", successor.status, successor.raw)
	}
}

// Cache poisoning: the cache keys on the whole token's SHA-256 and holds
// only tokens whose signature verified, so a forged token sharing every
// byte but one of the signature with a cached one, a truncated one, and
// one with a byte appended are all {"active":false} and nothing else,
// even while the genuine token is cached; the genuine one stays active.
func TestAttackIntrospectCachePoisoning(t *testing.T) {
	e, _ := cachingEnv(t)
	tok := e.svcToken()
	for call := range 2 { // the first call fills the cache, the second reads it
		if !e.active(e.svc, tok) {
			t.Fatalf("genuine token inactive (call %d)", call+1)
		}
	}
	// A signature byte in the middle (the last base64url character has
	// spare bits, which the test signer, unlike keys.Manager's strict
	// decoder, ignores).
	i := len(tok) - 10
	flip := byte('A')
	if tok[i] == 'A' {
		flip = 'B'
	}
	for name, forged := range map[string]string{
		"signature byte changed": tok[:i] + string(flip) + tok[i+1:],
		"truncated":              tok[:len(tok)-1],
		"byte appended":          tok + "A",
		"no signature":           tok[:len(tok)-len(tok[lastDot(tok)+1:])],
	} {
		r := e.introspect(e.svc, forged)
		if r.status != 200 || r.body["active"] != false || len(r.body) != 1 {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if !e.active(e.svc, tok) {
		t.Fatal("genuine token inactive after the forgeries")
	}
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}
