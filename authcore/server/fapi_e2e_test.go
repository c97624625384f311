package server_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// rsaClientKey is a FAPI client's RSA key, registered twice in its JWKS:
// kid "ps" for PS256 and kid "rs" for RS256, so an RS256 assertion
// verifies and only the FAPI 2.0 algorithm rule (§5.4.1) refuses it.
type rsaClientKey struct {
	priv *rsa.PrivateKey
	jwks string
}

func newRSAClientKey(t *testing.T) rsaClientKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &k.PublicKey, KeyID: "ps", Algorithm: "PS256", Use: "sig"},
		{Key: &k.PublicKey, KeyID: "rs", Algorithm: "RS256", Use: "sig"}}}
	b, _ := json.Marshal(set)
	return rsaClientKey{priv: k, jwks: string(b)}
}

// assertion is a private_key_jwt assertion (RFC 7523 §3) for client id,
// aud the issuer as one string (FAPI 2.0 §5.3.2.1-8), signed with alg.
func (k rsaClientKey) assertion(t *testing.T, id, issuer string, alg jose.SignatureAlgorithm) string {
	t.Helper()
	kid := map[jose.SignatureAlgorithm]string{jose.PS256: "ps", jose.RS256: "rs"}[alg]
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.priv}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	b, _ := json.Marshal(map[string]any{"iss": id, "sub": id, "aud": issuer, "iat": now, "exp": now + 60,
		"jti": oauth2.GenerateVerifier()})
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// formPost posts f to u with headers.
func formPost(t *testing.T, u string, f url.Values, hdr map[string]string) reply {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range hdr {
		h[k] = v
	}
	return send(t, "POST", u, strings.NewReader(f.Encode()), h)
}

// claimsOf decodes a JWT's claims without verifying it.
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	_, claims := testsupport.DecodeJWT(t, jwt)
	return claims
}

// The FAPI 2.0 Security Profile happy path end to end on the real server,
// then its refusals: a confidential client with private_key_jwt (PS256,
// aud the issuer as one string) pushes its request with a DPoP proof
// (RFC 9126, RFC 9449 §10.1), the browser signs in and consents through
// the real pages, the code is redeemed with DPoP and a client assertion
// for a DPoP-bound access token (token_type DPoP, cnf.jkt) that works at
// /userinfo with a fresh proof carrying ath, and the refresh token does
// not rotate (§5.3.2.1-9). Refused: a token request without DPoP, client
// secret authentication, an RS256 assertion, an authorization request
// without PAR, another DPoP key than the one pushed, and a reused code
// (which also ends the grant, OAuth 2.1 §4.1.3).
func TestFAPI2EndToEnd(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	setupUser(t, srv.Login)
	k := newRSAClientKey(t)
	redirect := "https://bank.example/cb"
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Bank", AuthMethod: authcore.AuthPrivateKeyJWT,
		JWKS: k.jwks, RedirectURIs: []string{redirect}, FAPI: true,
		GrantTypes: []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken},
		Scopes:     []string{"openid", "profile", "offline_access"}})
	if err != nil || secret != "" || !c.RequirePushedAuthorizationRequests {
		t.Fatalf("FAPI client: %v %+v", err, c)
	}
	if _, _, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Secret", AuthMethod: authcore.AuthSecretBasic,
		RedirectURIs: []string{redirect}, FAPI: true}); err == nil {
		t.Fatal("a FAPI client with client_secret_basic was registered")
	}
	assert := func(f url.Values, alg jose.SignatureAlgorithm) url.Values {
		f.Set("client_assertion_type", oauth.AssertionTypeJWT)
		f.Set("client_assertion", k.assertion(t, c.ID, issuer, alg))
		return f
	}
	key, other := testsupport.NewDPoPKey(t), testsupport.NewDPoPKey(t)
	verifier := oauth2.GenerateVerifier()
	authz := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect},
		"scope": {"openid profile offline_access"}, "state": {"st-fapi"}, "nonce": {"n-fapi"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}

	// Without PAR (§5.3.2.2-3): an error back to the client, with iss.
	resp, _ := testsupport.NewBrowser(t).Get(issuer + "/authorize?" + authz.Encode())
	loc, _ := resp.Location()
	if resp.StatusCode != 303 || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("iss") != issuer {
		t.Fatalf("authorization request without PAR: %d %v", resp.StatusCode, loc)
	}
	// PAR with a DPoP proof; RS256 and a client secret are refused there.
	par := func(f url.Values, hdr map[string]string) reply {
		return formPost(t, issuer+"/par", f, hdr)
	}
	if r := par(assert(clone(authz), jose.RS256), nil); r.status != 401 || r.str("error") != "invalid_client" {
		t.Fatalf("PAR with an RS256 assertion: %d %s", r.status, r.raw)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":a-guessed-secret"))
	if r := par(clone(authz), map[string]string{"Authorization": basic}); r.status != 401 || r.str("error") != "invalid_client" {
		t.Fatalf("PAR with client_secret_basic: %d %s", r.status, r.raw)
	}
	pushed := par(assert(clone(authz), jose.PS256), map[string]string{"DPoP": key.Proof("POST", issuer+"/par", "")})
	exp, _ := pushed.body["expires_in"].(float64)
	if pushed.status != 201 || !strings.HasPrefix(pushed.str("request_uri"), oauth.RequestURIPrefix) || exp <= 0 || exp >= 600 {
		t.Fatalf("PAR: %d %s", pushed.status, pushed.raw)
	}

	// The browser: /authorize with only client_id and request_uri, the
	// real login and consent pages; iss in the response (RFC 9207).
	back := testsupport.NewBrowser(t).SignIn(issuer, issuer+"/authorize?"+url.Values{"client_id": {c.ID},
		"request_uri": {pushed.str("request_uri")}}.Encode(), "alice", "wonderland-42").Redirect
	code := back.Query().Get("code")
	if code == "" || back.Query().Get("state") != "st-fapi" || back.Query().Get("iss") != issuer ||
		!strings.HasPrefix(back.String(), redirect) {
		t.Fatalf("authorization response: %s", back)
	}

	// The token request: DPoP and a PS256 assertion. Without DPoP, with a
	// secret, with RS256 or with another key it is refused, and the code
	// survives those refusals.
	redeem := func() url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
			"redirect_uri": {redirect}}
	}
	tokenURL := issuer + "/token"
	if r := formPost(t, tokenURL, assert(redeem(), jose.PS256), nil); r.status != 400 || r.str("error") != "invalid_request" {
		t.Fatalf("bearer token request: %d %s", r.status, r.raw)
	}
	if r := formPost(t, tokenURL, redeem(), map[string]string{"Authorization": basic,
		"DPoP": key.Proof("POST", tokenURL, "")}); r.status != 401 || r.str("error") != "invalid_client" {
		t.Fatalf("token request with client_secret_basic: %d %s", r.status, r.raw)
	}
	if r := formPost(t, tokenURL, assert(redeem(), jose.RS256), map[string]string{
		"DPoP": key.Proof("POST", tokenURL, "")}); r.status != 401 || r.str("error") != "invalid_client" {
		t.Fatalf("token request with an RS256 assertion: %d %s", r.status, r.raw)
	}
	tok := formPost(t, tokenURL, assert(redeem(), jose.PS256), map[string]string{"DPoP": key.Proof("POST", tokenURL, "")})
	if tok.status != 200 || tok.str("token_type") != "DPoP" || tok.str("refresh_token") == "" || tok.str("id_token") == "" {
		t.Fatalf("code exchange: %d %s", tok.status, tok.raw)
	}
	at := tok.str("access_token")
	if cnf, _ := claimsOf(t, at)["cnf"].(map[string]any); cnf["jkt"] != key.JKT {
		t.Fatalf("access token cnf %v, want jkt %s", cnf, key.JKT)
	}
	if n := claimsOf(t, tok.str("id_token"))["nonce"]; n != "n-fapi" {
		t.Fatalf("ID token nonce %v", n)
	}

	// /userinfo with a fresh proof carrying ath (RFC 9449 §7); as Bearer
	// it is refused.
	ui := issuer + "/userinfo"
	if r := send(t, "GET", ui, nil, map[string]string{"Authorization": "DPoP " + at,
		"DPoP": key.Proof("GET", ui, at)}); r.status != 200 || r.str("sub") == "" {
		t.Fatalf("userinfo: %d %s", r.status, r.raw)
	}
	if r := send(t, "GET", ui, nil, map[string]string{"Authorization": "Bearer " + at}); r.status != 401 {
		t.Fatalf("userinfo with the token as Bearer: %d %s", r.status, r.raw)
	}

	// The refresh token does not rotate: the same one works twice, each
	// time for a new DPoP-bound access token; without DPoP it is refused.
	rt := tok.str("refresh_token")
	refresh := func(hdr map[string]string) reply {
		return formPost(t, tokenURL, assert(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, jose.PS256), hdr)
	}
	var last string
	for i := 0; i < 2; i++ {
		r := refresh(map[string]string{"DPoP": key.Proof("POST", tokenURL, "")})
		if r.status != 200 || r.str("token_type") != "DPoP" || r.str("refresh_token") != rt || r.str("access_token") == at {
			t.Fatalf("refresh %d: %d %s", i, r.status, r.raw)
		}
		last = r.str("access_token")
	}
	if r := send(t, "GET", ui, nil, map[string]string{"Authorization": "DPoP " + last,
		"DPoP": key.Proof("GET", ui, last)}); r.status != 200 {
		t.Fatalf("userinfo with a refreshed token: %d %s", r.status, r.raw)
	}
	if r := refresh(nil); r.status != 400 || r.str("error") != "invalid_request" {
		t.Fatalf("refresh without DPoP: %d %s", r.status, r.raw)
	}

	// The reused code is refused and ends the grant it issued.
	if r := formPost(t, tokenURL, assert(redeem(), jose.PS256), map[string]string{
		"DPoP": key.Proof("POST", tokenURL, "")}); r.status != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("code reuse: %d %s", r.status, r.raw)
	}
	if r := refresh(map[string]string{"DPoP": key.Proof("POST", tokenURL, "")}); r.status != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("refresh after the code was replayed: %d %s", r.status, r.raw)
	}

	// A second authorization pushed with key's proof cannot be redeemed
	// with another key (RFC 9449 §10.1), nor can the push name another
	// key in dpop_jkt.
	f := assert(clone(authz), jose.PS256)
	f.Set("dpop_jkt", other.JKT)
	if r := par(f, map[string]string{"DPoP": key.Proof("POST", issuer+"/par", "")}); r.status != 400 || r.str("error") != "invalid_request" {
		t.Fatalf("PAR with a dpop_jkt of another key: %d %s", r.status, r.raw)
	}
	pushed = par(assert(clone(authz), jose.PS256), map[string]string{"DPoP": key.Proof("POST", issuer+"/par", "")})
	back = testsupport.NewBrowser(t).SignIn(issuer, issuer+"/authorize?"+url.Values{"client_id": {c.ID},
		"request_uri": {pushed.str("request_uri")}}.Encode(), "alice", "wonderland-42").Redirect
	code = back.Query().Get("code")
	if r := formPost(t, tokenURL, assert(redeem(), jose.PS256), map[string]string{
		"DPoP": other.Proof("POST", tokenURL, "")}); r.status != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("code pushed with one key, redeemed with another: %d %s", r.status, r.raw)
	}
}

// clone copies v.
func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	return out
}
