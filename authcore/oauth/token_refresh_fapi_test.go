package oauth

import (
	"net/url"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
)

// fapiClient is a FAPI 2.0 client (private_key_jwt, ES256) registered on e.
func (e *env) fapiClient() jwtClient {
	e.t.Helper()
	priv := newKey(e.t, "ES256")
	jwks := jwksOf(e.t, jose.JSONWebKey{Key: priv.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"})
	c := e.client(ClientSpec{Name: "bank", AuthMethod: authcore.AuthPrivateKeyJWT, JWKS: jwks, FAPI: true,
		RedirectURIs: []string{"https://bank.example/cb"},
		GrantTypes:   []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken},
		Scopes:       []string{"openid", "offline_access", "orders:read"}})
	return jwtClient{testClient: c, alg: "ES256", kid: "k1", priv: priv}
}

// fapiTokens runs PAR, /authorize with the request_uri and the code
// exchange with a DPoP proof of k, and returns the token response.
func (e *env) fapiTokens(c jwtClient, k proofKey) tokenReply {
	e.t.Helper()
	verifier := oauth2.GenerateVerifier()
	par := e.post("/par", withAssertion(authParams(c.testClient, verifier), c.sign(e.t, e.claims(c), nil)), nil)
	if par.status != 201 {
		e.t.Fatalf("par: %d %s", par.status, par.raw)
	}
	resp := e.authorize(url.Values{"client_id": {c.ID}, "request_uri": {par.str("request_uri")}}.Encode())
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" {
		e.t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
	}
	f := withAssertion(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {c.RedirectURIs[0]}}, c.sign(e.t, e.claims(c), nil))
	r := e.postDPoP(f, nil, e.tokenProof(k))
	if r.status != 200 || r.str("refresh_token") == "" {
		e.t.Fatalf("redeem: %d %s", r.status, r.raw)
	}
	return r
}

// A FAPI 2.0 confidential client with DPoP-bound tokens refreshes without
// rotation (FAPI 2.0 §5.3.2.1-9): the same refresh token works again and
// again, each time with a new DPoP-bound access token recorded on the
// grant; it stays bound to the client, refused without a sender
// constraint, and ends with the grant's revocation or its own expiry.
func TestFAPIRefreshDoesNotRotate(t *testing.T) {
	e := newEnv(t)
	c, k := e.fapiClient(), newProofKey(t)
	first := e.fapiTokens(c, k)
	rt := first.str("refresh_token")
	refresh := func(proofs ...string) tokenReply {
		f := withAssertion(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, c.sign(t, e.claims(c), nil))
		return e.postDPoP(f, nil, proofs...)
	}
	var ats []string
	for i := 0; i < 3; i++ {
		r := refresh(e.tokenProof(k))
		if r.status != 200 || r.str("refresh_token") != rt || r.str("token_type") != "DPoP" ||
			accessCnf(t, r.str("access_token"))["jkt"] != k.jkt {
			t.Fatalf("refresh %d: %d %s", i, r.status, r.raw)
		}
		ats = append(ats, r.str("access_token"))
	}
	if ats[0] == ats[1] || !e.active(e.rs, ats[0]) || !e.active(e.rs, ats[2]) {
		t.Fatal("each refresh must issue a new, active access token")
	}
	if r := refresh(); r.status != 400 || r.str("error") != CodeInvalidRequest {
		t.Fatalf("refresh without a sender constraint: %d %s", r.status, r.raw)
	}
	// Bound to the client: another FAPI client cannot use it.
	other := e.fapiClient()
	f := withAssertion(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, other.sign(t, e.claims(other), nil))
	if r := e.postDPoP(f, nil, e.tokenProof(k)); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("other client: %d %s", r.status, r.raw)
	}
	// Revoking the refresh token ends the family and every access token
	// issued under it, the in-place ones included.
	rv := e.post("/revoke", withAssertion(url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}},
		c.sign(t, e.claims(c), nil)), nil)
	if rv.status != 200 {
		t.Fatalf("revoke: %d %s", rv.status, rv.raw)
	}
	if r := refresh(e.tokenProof(k)); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("after revocation: %d %s", r.status, r.raw)
	}
	for _, at := range append(ats, first.str("access_token")) {
		if e.active(e.rs, at) {
			t.Fatal("an access token of the revoked family is still active")
		}
	}
	// Expiry: the refresh token ends at the expiry it was issued with.
	rt = e.fapiTokens(c, k).str("refresh_token")
	if r := refresh(e.tokenProof(k)); r.status != 200 || r.str("refresh_token") != rt {
		t.Fatalf("second family: %d %s", r.status, r.raw)
	}
	e.clock.Advance(DefaultRefreshTokenTTL + time.Second)
	if r := refresh(e.tokenProof(k)); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("expired: %d %s", r.status, r.raw)
	}
}

// A confidential client outside FAPI mode still rotates with reuse
// detection, DPoP or not (OAuth 2.1 §4.3.1).
func TestNonFAPIRefreshRotates(t *testing.T) {
	e := newEnv(t)
	k := newProofKey(t)
	verifier := oauth2.GenerateVerifier()
	f := url.Values{"grant_type": {"authorization_code"}, "code": {e.code(e.web, verifier)},
		"code_verifier": {verifier}, "redirect_uri": {e.web.RedirectURIs[0]}}
	r := e.postDPoP(f, &e.web, e.tokenProof(k))
	if r.status != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("redeem: %d %s", r.status, r.raw)
	}
	rt := r.str("refresh_token")
	refresh := func(v string) tokenReply {
		return e.postDPoP(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {v}}, &e.web, e.tokenProof(k))
	}
	next := refresh(rt)
	if next.status != 200 || next.str("refresh_token") == "" || next.str("refresh_token") == rt {
		t.Fatalf("rotation: %d %s", next.status, next.raw)
	}
	if r := refresh(rt); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("reuse: %d %s", r.status, r.raw)
	}
	if r := refresh(next.str("refresh_token")); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("successor after reuse: %d %s", r.status, r.raw)
	}
}
