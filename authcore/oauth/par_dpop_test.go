package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// postPAR posts form to /par with Basic credentials of c (when not nil)
// and the given DPoP headers.
func (e *env) postPAR(form url.Values, c *testClient, proofs ...string) tokenReply {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/par", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c != nil {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.secret))
	}
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	return e.do(req)
}

// parProof is a valid proof for POST /par of e.
func (e *env) parProof(k proofKey) string {
	return k.proof(e.t, "POST", e.ts.URL+"/par", e.clock.Now(), nil)
}

// codeFor completes /authorize for a pushed request and returns the code.
func (e *env) codeFor(clientID, requestURI string) string {
	e.t.Helper()
	resp := e.authorize(url.Values{"client_id": {clientID}, "request_uri": {requestURI}}.Encode())
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("code") == "" {
		e.t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
	}
	return loc.Query().Get("code")
}

// A DPoP proof at /par binds the code to its key (RFC 9449 §10.1): the
// code is redeemed only with a proof of that key; a dpop_jkt naming
// another key is invalid_request, the same key is accepted; a proof for
// another URL or replayed is invalid_dpop_proof; a client that must use
// DPoP at /token need not send one to /par.
func TestPARBindsDPoP(t *testing.T) {
	e := newEnv(t)
	k, other := newProofKey(t), newProofKey(t)
	verifier := oauth2.GenerateVerifier()
	push := func(edit func(url.Values), proofs ...string) tokenReply {
		f := authParams(e.web, verifier)
		if edit != nil {
			edit(f)
		}
		return e.postPAR(f, &e.web, proofs...)
	}
	redeem := func(code string, k proofKey) tokenReply {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
			"redirect_uri": {e.web.RedirectURIs[0]}}
		return e.postDPoP(f, &e.web, e.tokenProof(k))
	}
	r := push(nil, e.parProof(k))
	if r.status != 201 {
		t.Fatalf("par with a proof: %d %s", r.status, r.raw)
	}
	if got := redeem(e.codeFor(e.web.ID, r.str("request_uri")), other); got.status != 400 || got.str("error") != CodeInvalidGrant {
		t.Fatalf("redeemed with another key: %d %s", got.status, got.raw)
	}
	r = push(nil, e.parProof(k))
	if got := redeem(e.codeFor(e.web.ID, r.str("request_uri")), k); got.status != 200 || got.str("token_type") != "DPoP" ||
		accessCnf(t, got.str("access_token"))["jkt"] != k.jkt {
		t.Fatalf("redeemed with the key: %d %s", got.status, got.raw)
	}
	if got := push(func(f url.Values) { f.Set("dpop_jkt", other.jkt) }, e.parProof(k)); got.status != 400 ||
		got.str("error") != CodeInvalidRequest {
		t.Fatalf("dpop_jkt of another key: %d %s", got.status, got.raw)
	}
	if got := push(func(f url.Values) { f.Set("dpop_jkt", k.jkt) }, e.parProof(k)); got.status != 201 {
		t.Fatalf("dpop_jkt of the same key: %d %s", got.status, got.raw)
	}
	if got := push(nil, e.tokenProof(k)); got.status != 400 || got.str("error") != CodeInvalidDPoPProof {
		t.Fatalf("proof for /token sent to /par: %d %s", got.status, got.raw)
	}
	replayed := e.parProof(k)
	if got := push(nil, replayed); got.status != 201 {
		t.Fatalf("first use: %d %s", got.status, got.raw)
	}
	if got := push(nil, replayed); got.status != 400 || got.str("error") != CodeInvalidDPoPProof {
		t.Fatalf("replayed proof: %d %s", got.status, got.raw)
	}
	if got := push(nil, e.parProof(k), e.parProof(k)); got.status != 400 || got.str("error") != CodeInvalidDPoPProof {
		t.Fatalf("two proofs: %d %s", got.status, got.raw)
	}
	bound := e.client(ClientSpec{Name: "bound", RedirectURIs: []string{"https://bound.example/cb"},
		Scopes: []string{"orders:read"}, DPoPBoundAccessTokens: true})
	f := url.Values{"response_type": {"code"}, "client_id": {bound.ID}, "redirect_uri": {bound.RedirectURIs[0]},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	if got := e.postPAR(f, &bound); got.status != 201 {
		t.Fatalf("dpop_bound_access_tokens client at /par without a proof: %d %s", got.status, got.raw)
	}
}

// A FAPI client whose pushed request carried a DPoP proof cannot redeem
// the code with another key (RFC 9449 §10.1, FAPI 2.0 §5.3.2.1-12).
func TestFAPIPARDPoPKey(t *testing.T) {
	e := newEnv(t)
	c, k, other := e.fapiClient(), newProofKey(t), newProofKey(t)
	verifier := oauth2.GenerateVerifier()
	par := func() string {
		f := withAssertion(authParams(c.testClient, verifier), c.sign(t, e.claims(c), nil))
		r := e.postPAR(f, nil, e.parProof(k))
		if r.status != 201 {
			t.Fatalf("par: %d %s", r.status, r.raw)
		}
		return r.str("request_uri")
	}
	redeem := func(code string, k proofKey) tokenReply {
		f := withAssertion(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
			"redirect_uri": {c.RedirectURIs[0]}}, c.sign(t, e.claims(c), nil))
		return e.postDPoP(f, nil, e.tokenProof(k))
	}
	if r := redeem(e.codeFor(c.ID, par()), other); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("another key: %d %s", r.status, r.raw)
	}
	if r := redeem(e.codeFor(c.ID, par()), k); r.status != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("the key: %d %s", r.status, r.raw)
	}
}
