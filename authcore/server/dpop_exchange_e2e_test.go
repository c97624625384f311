package server_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// Where DPoP meets the grant-bound ID token exchange (RFC 8693, issue
// 16): a client whose tokens must be DPoP-bound cannot turn its ID token
// into a Bearer access token by exchanging it without a proof; with a
// proof the exchanged token is bound to that key. (Exchange needs the
// confidential client's own authentication, like its refresh tokens.)
func TestDPoPGrantIDTokenExchange(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	setupUser(t, srv.Login)
	redirect, api := "http://127.0.0.1:9/callback", "https://api.example"
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "BFF", RedirectURIs: []string{redirect},
		Audience: []string{api}, GrantTypes: []string{authcore.GrantAuthorizationCode, authcore.GrantTokenExchange},
		Scopes: []string{"openid", "orders:read"}, DPoPBoundAccessTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	key := testsupport.NewDPoPKey(t)
	verifier := oauth2.GenerateVerifier()
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect},
		"scope": {"openid orders:read"}, "state": {"st"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	back := testsupport.NewBrowser(t).SignIn(issuer, issuer+"/authorize?"+q.Encode(), "alice", "wonderland-42").Redirect
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(secret)))
	post := func(form url.Values, proof string) reply {
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth}
		if proof != "" {
			h["DPoP"] = proof
		}
		return send(t, "POST", issuer+"/token", strings.NewReader(form.Encode()), h)
	}
	tok := post(url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"code_verifier": {verifier}, "redirect_uri": {redirect}}, key.Proof("POST", issuer+"/token", ""))
	if tok.status != 200 || tok.str("token_type") != "DPoP" || tok.str("id_token") == "" {
		t.Fatalf("redeem: %d %s", tok.status, tok.raw)
	}
	ex := url.Values{"grant_type": {authcore.GrantTokenExchange}, "subject_token": {tok.str("id_token")},
		"subject_token_type": {oauth.TokenTypeIDToken}, "audience": {api}, "scope": {"orders:read"}}
	if r := post(ex, ""); r.status != 400 || r.str("access_token") != "" {
		t.Errorf("exchange without a proof: %d %s", r.status, r.raw)
	}
	r := post(ex, key.Proof("POST", issuer+"/token", ""))
	if r.status != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("exchange with the proof: %d %s", r.status, r.raw)
	}
	if _, cl := testsupport.DecodeJWT(t, r.str("access_token")); cl["cnf"] == nil {
		t.Errorf("the exchanged token is not bound: %v", cl)
	}
}
