package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// jarmClaims are the claims of a JARM response (JARM §2.1).
type jarmClaims struct {
	josejwt.Claims
	Code             string `json:"code"`
	State            string `json:"state"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// verifyJARM checks a JARM response as a client would, with go-jose and
// not Latchkey's own code: the signature by the issuer's JWKS under alg,
// then iss, aud and exp (JARM §2.4).
func verifyJARM(t *testing.T, issuer, clientID, resp string, alg jose.SignatureAlgorithm) (jarmClaims, error) {
	t.Helper()
	var set jose.JSONWebKeySet
	getJSON(t, issuer+"/jwks.json", &set)
	tok, err := josejwt.ParseSigned(resp, []jose.SignatureAlgorithm{alg})
	if err != nil {
		return jarmClaims{}, err
	}
	var c jarmClaims
	if err := tok.Claims(set, &c); err != nil {
		return c, err
	}
	if c.Expiry == nil || time.Until(c.Expiry.Time()) > 2*time.Minute {
		t.Errorf("JARM exp %v is missing or not short", c.Expiry)
	}
	return c, c.ValidateWithLeeway(josejwt.Expected{Issuer: issuer, AnyAudience: []string{clientID}, Time: time.Now()}, 0)
}

// JARM (JWT Secured Authorization Response Mode) end to end through the
// real login and consent pages, in each mode: the response parameter
// alone (no bare code or iss), verified with an independent JOSE library
// against the JWKS, its code redeemable; a verifier expecting another
// audience rejects it; errors are signed too; a client's
// authorization_signed_response_alg picks the key; an algorithm the
// server does not sign with is refused at registration.
func TestJARMEndToEnd(t *testing.T) {
	srv, issuer := servertest.Start(t, func(c *server.Config) { c.KeyAlgorithms = []string{"ES256", "RS256"} })
	ctx := context.Background()
	setupUser(t, srv.Login)
	redirect := "http://127.0.0.1:9/callback"
	spec := oauth.ClientSpec{Name: "Bank", RedirectURIs: []string{redirect}, Scopes: []string{"orders:read"}}
	c, secret, err := srv.OAuth.CreateClient(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	b := testsupport.NewBrowser(t)
	for _, mode := range []string{"query.jwt", "jwt", "fragment.jwt", "form_post.jwt"} {
		q, verifier := pkce(url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect},
			"scope": {"orders:read"}, "state": {"st-" + mode}, "response_mode": {mode}})
		signed := b.SignIn(issuer, issuer+"/authorize?"+q.Encode(), "alice", "wonderland-42")
		var params url.Values
		switch {
		case mode == "form_post.jwt":
			checkFormPostPage(t, signed.FormPost, redirect)
			params = signed.FormPost.Fields
		case mode == "fragment.jwt" && signed.Redirect != nil:
			if signed.Redirect.RawQuery != "" {
				t.Fatalf("%s: parameters in the query: %s", mode, signed.Redirect)
			}
			params, _ = url.ParseQuery(signed.Redirect.Fragment)
		case signed.Redirect != nil:
			params = signed.Redirect.Query()
		default:
			t.Fatalf("%s: no response", mode)
		}
		if len(params) != 1 || params.Get("response") == "" {
			t.Fatalf("%s: want the response parameter alone, got %v", mode, params)
		}
		claims, err := verifyJARM(t, issuer, c.ID, params.Get("response"), jose.ES256)
		if err != nil || claims.Code == "" || claims.State != "st-"+mode || claims.Error != "" {
			t.Fatalf("%s: %v %+v", mode, err, claims)
		}
		// Negative: a verifier that expects another client rejects it.
		if _, err := verifyJARM(t, issuer, "another-client", params.Get("response"), jose.ES256); !errors.Is(err, josejwt.ErrInvalidAudience) {
			t.Fatalf("%s: wrong aud accepted: %v", mode, err)
		}
		tok := url.Values{"grant_type": {"authorization_code"}, "code": {claims.Code},
			"redirect_uri": {redirect}, "code_verifier": {verifier}}
		if st, m := postForm(t, issuer+"/token", tok, c.ID, secret); st != 200 {
			t.Fatalf("%s: redeeming the JARM code: %d %v", mode, st, m)
		}
	}

	// Errors are signed too (JARM §2.2).
	q, _ := pkce(url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect},
		"scope": {"admin:everything"}, "state": {"st-err"}, "response_mode": {"query.jwt"}})
	resp, _ := b.Get(issuer + "/authorize?" + q.Encode())
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Query().Get("error") != "" {
		t.Fatalf("JARM error: %d %v", resp.StatusCode, loc)
	}
	claims, err := verifyJARM(t, issuer, c.ID, loc.Query().Get("response"), jose.ES256)
	if err != nil || claims.Error != "invalid_scope" || claims.State != "st-err" || claims.Code != "" {
		t.Fatalf("JARM error claims: %v %+v", err, claims)
	}

	// authorization_signed_response_alg RS256 signs with the RSA key; an
	// ES256 verifier refuses the response.
	rs := spec
	rs.AuthorizationSignedResponseAlg = "RS256"
	c2, _, err := srv.OAuth.CreateClient(ctx, rs)
	if err != nil {
		t.Fatal(err)
	}
	q2, _ := pkce(url.Values{"response_type": {"code"}, "client_id": {c2.ID}, "redirect_uri": {redirect},
		"scope": {"orders:read"}, "response_mode": {"jwt"}})
	back := b.SignIn(issuer, issuer+"/authorize?"+q2.Encode(), "alice", "wonderland-42").Redirect
	if _, err := verifyJARM(t, issuer, c2.ID, back.Query().Get("response"), jose.RS256); err != nil {
		t.Fatalf("RS256 JARM: %v", err)
	}
	if _, err := verifyJARM(t, issuer, c2.ID, back.Query().Get("response"), jose.ES256); err == nil {
		t.Fatal("an RS256 response verified as ES256")
	}
	for _, alg := range []string{"PS256", "HS256", "none"} {
		bad := spec
		bad.AuthorizationSignedResponseAlg = alg
		if _, _, err := srv.OAuth.CreateClient(ctx, bad); !errors.Is(err, oauth.ErrInvalidClientMetadata) {
			t.Errorf("authorization_signed_response_alg %s: %v", alg, err)
		}
	}

	// Discovery lists the modes and exactly the algorithms in use.
	var md map[string]any
	getJSON(t, issuer+"/.well-known/openid-configuration", &md)
	modes, _ := md["response_modes_supported"].([]any)
	algs, _ := md["authorization_signing_alg_values_supported"].([]any)
	for _, m := range []any{"query", "form_post", "query.jwt", "fragment.jwt", "form_post.jwt", "jwt"} {
		if !slices.Contains(modes, m) {
			t.Errorf("response_modes_supported %v lacks %v", modes, m)
		}
	}
	if len(algs) != 2 || !slices.Contains(algs, any("ES256")) || !slices.Contains(algs, any("RS256")) {
		t.Errorf("authorization_signing_alg_values_supported = %v", algs)
	}
}
