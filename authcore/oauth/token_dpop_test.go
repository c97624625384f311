package oauth

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
)

var ccForm = url.Values{"grant_type": {"client_credentials"}}

// docs/security.md TOK-14: every bad proof at /token is 400
// invalid_dpop_proof; a replayed proof too.
func TestTokenDPoPProofRejected(t *testing.T) {
	e := newEnv(t)
	k := newProofKey(t)
	now, u := e.clock.Now(), e.ts.URL+"/token"
	priv, _ := json.Marshal(jose.JSONWebKey{Key: k.priv})
	valid := k.proof(t, "POST", u, now, nil)
	if r := e.postDPoP(ccForm, &e.svc, valid); r.status != 200 {
		t.Fatalf("valid proof: %d %s", r.status, r.raw)
	}
	bad := map[string][]string{
		"alg none":        {k.proof(t, "POST", u, now, func(h, c map[string]any) { h["alg"] = "none" })},
		"alg HS256":       {k.proof(t, "POST", u, now, func(h, c map[string]any) { h["alg"] = "HS256" })},
		"bad signature":   {valid[:len(valid)-6] + "AAAAAA"},
		"typ JWT":         {k.proof(t, "POST", u, now, func(h, c map[string]any) { h["typ"] = "JWT" })},
		"private d":       {k.proof(t, "POST", u, now, func(h, c map[string]any) { h["jwk"] = json.RawMessage(priv) })},
		"missing jti":     {k.proof(t, "POST", u, now, func(h, c map[string]any) { delete(c, "jti") })},
		"htm GET":         {k.proof(t, "GET", u, now, nil)},
		"htu other":       {k.proof(t, "POST", e.ts.URL+"/other", now, nil)},
		"iat -1h":         {k.proof(t, "POST", u, now.Add(-time.Hour), nil)},
		"two headers":     {k.proof(t, "POST", u, now, nil), k.proof(t, "POST", u, now, nil)},
		"replayed jti":    {valid},
		"not a JWT":       {"not-a-proof"},
		"other issuer's ": {k.proof(t, "POST", "https://as.example/token", now, nil)},
	}
	for name, proofs := range bad {
		r := e.postDPoP(ccForm, &e.svc, proofs...)
		if r.status != 400 || r.str("error") != CodeInvalidDPoPProof {
			t.Errorf("%s: %d %s, want 400 invalid_dpop_proof", name, r.status, r.raw)
		}
	}
	// RFC 9449 §4.3 step 9: htu compares after normalisation, ignoring
	// query and fragment.
	host := e.ts.URL[len("http://"):]
	for _, htu := range []string{"HTTP://" + host + "/token?x=1#f", "http://" + host + "/./token"} {
		if r := e.postDPoP(ccForm, &e.svc, k.proof(t, "POST", htu, now, nil)); r.status != 200 {
			t.Errorf("htu %s: %d %s", htu, r.status, r.raw)
		}
	}
}

// A DPoP-bound access token: token_type DPoP, cnf.jkt, and introspection
// shows both (docs/security.md INT-01 (d), RFC 9449 §6.2).
func TestDPoPBoundAccessToken(t *testing.T) {
	e := newEnv(t)
	k := newProofKey(t)
	r := e.postDPoP(ccForm, &e.svc, e.tokenProof(k))
	if r.status != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("token: %d %s", r.status, r.raw)
	}
	if cnf := accessCnf(t, r.str("access_token")); cnf["jkt"] != k.jkt {
		t.Fatalf("cnf = %v, want jkt %s", cnf, k.jkt)
	}
	in := e.introspect(e.svc, r.str("access_token"))
	cnf, _ := in.body["cnf"].(map[string]any)
	if in.status != 200 || in.body["active"] != true || in.str("token_type") != "DPoP" || cnf["jkt"] != k.jkt {
		t.Fatalf("introspection: %d %s", in.status, in.raw)
	}
	plain := e.post("/token", ccForm, &e.svc)
	if plain.str("token_type") != "Bearer" || accessCnf(t, plain.str("access_token")) != nil {
		t.Fatalf("token without proof: %s", plain.raw)
	}
	if in := e.introspect(e.svc, plain.str("access_token")); in.str("token_type") != "Bearer" || in.body["cnf"] != nil {
		t.Fatalf("introspection of a Bearer token: %s", in.raw)
	}
}

// dpop_bound_access_tokens (RFC 9449 §5.2): a request without a proof is
// 400 invalid_request.
func TestDPoPBoundClientNeedsProof(t *testing.T) {
	e := newEnv(t)
	c := e.client(ClientSpec{Name: "bound", GrantTypes: []string{authcore.GrantClientCredentials},
		Scopes: []string{"orders:read"}, DPoPBoundAccessTokens: true})
	if r := e.post("/token", ccForm, &c); r.status != 400 || r.str("error") != CodeInvalidRequest {
		t.Fatalf("no proof: %d %s", r.status, r.raw)
	}
	if r := e.postDPoP(ccForm, &c, e.tokenProof(newProofKey(t))); r.status != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("with proof: %d %s", r.status, r.raw)
	}
}

// dpop_jkt at /authorize binds the code (RFC 9449 §10): another key is
// 400 invalid_grant, and the code is burnt.
func TestDPoPJKTBindsCode(t *testing.T) {
	e := newEnv(t)
	k, other := newProofKey(t), newProofKey(t)
	verifier := oauth2.GenerateVerifier()
	code := func() string {
		q := authParams(e.native, verifier)
		q.Set("dpop_jkt", k.jkt)
		resp := e.authorize(q.Encode())
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc.Query().Get("code")
	}
	form := func(c string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {c}, "code_verifier": {verifier},
			"redirect_uri": {e.native.RedirectURIs[0]}, "client_id": {e.native.ID}}
	}
	c1 := code()
	if r := e.postDPoP(form(c1), nil, e.tokenProof(other)); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("other key: %d %s", r.status, r.raw)
	}
	if r := e.postDPoP(form(c1), nil, e.tokenProof(k)); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("burnt code: %d %s", r.status, r.raw)
	}
	if r := e.postDPoP(form(code()), nil); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("no proof: %d %s", r.status, r.raw)
	}
	if r := e.postDPoP(form(code()), nil, e.tokenProof(k)); r.status != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("right key: %d %s", r.status, r.raw)
	}
	q := authParams(e.native, verifier)
	q.Set("dpop_jkt", "not-a-thumbprint")
	loc, _ := url.Parse(e.authorize(q.Encode()).Header.Get("Location"))
	if loc.Query().Get("error") != CodeInvalidRequest {
		t.Fatalf("malformed dpop_jkt: %s", loc)
	}
}

// A public client's refresh token is bound to its DPoP key (RFC 9449 §5):
// another key is 400 invalid_grant; the right key rotates and keeps the
// binding.
func TestDPoPBoundRefreshToken(t *testing.T) {
	e := newEnv(t)
	k, other := newProofKey(t), newProofKey(t)
	verifier := oauth2.GenerateVerifier()
	f := url.Values{"grant_type": {"authorization_code"}, "code": {e.code(e.native, verifier)},
		"code_verifier": {verifier}, "redirect_uri": {e.native.RedirectURIs[0]}, "client_id": {e.native.ID}}
	r := e.postDPoP(f, nil, e.tokenProof(k))
	if r.status != 200 || r.str("refresh_token") == "" {
		t.Fatalf("redeem: %d %s", r.status, r.raw)
	}
	refresh := func(rt string, proofs ...string) tokenReply {
		return e.postDPoP(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
			"client_id": {e.native.ID}}, nil, proofs...)
	}
	rt := r.str("refresh_token")
	if r := refresh(rt, e.tokenProof(other)); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("other key: %d %s", r.status, r.raw)
	}
	if r := refresh(rt); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("no proof: %d %s", r.status, r.raw)
	}
	r = refresh(rt, e.tokenProof(k))
	if r.status != 200 || r.str("token_type") != "DPoP" || accessCnf(t, r.str("access_token"))["jkt"] != k.jkt {
		t.Fatalf("right key: %d %s", r.status, r.raw)
	}
	if r := refresh(r.str("refresh_token"), e.tokenProof(other)); r.status != 400 || r.str("error") != CodeInvalidGrant {
		t.Fatalf("successor with another key: %d %s", r.status, r.raw)
	}
}

// Server nonces (RFC 9449 §8): a proof without the nonce is 400
// use_dpop_nonce with a DPoP-Nonce header; with it the request succeeds.
func TestDPoPServerNonce(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.DPoP.RequireNonce = true })
	k := newProofKey(t)
	r := e.postDPoP(ccForm, &e.svc, e.tokenProof(k))
	nonce := r.header.Get("DPoP-Nonce")
	if r.status != 400 || r.str("error") != CodeUseDPoPNonce || nonce == "" {
		t.Fatalf("no nonce: %d %s %q", r.status, r.raw, nonce)
	}
	withNonce := func(n string) string {
		return k.proof(t, "POST", e.ts.URL+"/token", e.clock.Now(), func(h, c map[string]any) { c["nonce"] = n })
	}
	if r := e.postDPoP(ccForm, &e.svc, withNonce("made-up")); r.status != 400 || r.str("error") != CodeUseDPoPNonce {
		t.Fatalf("wrong nonce: %d %s", r.status, r.raw)
	}
	if r := e.postDPoP(ccForm, &e.svc, withNonce(nonce)); r.status != 200 {
		t.Fatalf("with nonce: %d %s", r.status, r.raw)
	}
	e.clock.Advance(3 * DefaultDPoPNoncePeriod)
	if r := e.postDPoP(ccForm, &e.svc, withNonce(nonce)); r.status != 400 || r.str("error") != CodeUseDPoPNonce {
		t.Fatalf("stale nonce: %d %s", r.status, r.raw)
	}
}

// With DPoP off nothing is bound and nothing advertised; on, the metadata
// lists exactly ES256, PS256 and EdDSA.
func TestDPoPMetadata(t *testing.T) {
	on := newEnv(t).srv.Metadata(t.Context())
	algs, _ := on["dpop_signing_alg_values_supported"].([]string)
	if len(algs) != 3 || algs[0] != "ES256" || algs[1] != "PS256" || algs[2] != "EdDSA" {
		t.Fatalf("dpop_signing_alg_values_supported = %v", on["dpop_signing_alg_values_supported"])
	}
	e := newEnv(t, func(c *Config) { c.DPoP.Disabled = true })
	if _, ok := e.srv.Metadata(t.Context())["dpop_signing_alg_values_supported"]; ok {
		t.Fatal("advertised with DPoP off")
	}
	if r := e.postDPoP(ccForm, &e.svc, e.tokenProof(newProofKey(t))); r.str("token_type") != "Bearer" {
		t.Fatalf("DPoP off: %s", r.raw)
	}
}

// docs/security.md RL-05: one DPoP proof sent by many parallel requests is
// accepted exactly once.
func TestDPoPProofRace(t *testing.T) {
	e := newEnv(t)
	p := e.tokenProof(newProofKey(t))
	const n = 20
	codes := make(chan int, n)
	for i := 0; i < n; i++ {
		go func() { codes <- e.postDPoP(ccForm, &e.svc, p).status }()
	}
	ok := 0
	for i := 0; i < n; i++ {
		if <-codes == 200 {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d parallel uses of one proof accepted, want 1", ok, n)
	}
}
