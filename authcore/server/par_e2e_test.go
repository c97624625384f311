package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// jwtKey is a client's ES256 key and its JWKS.
type jwtKey struct {
	priv *ecdsa.PrivateKey
	jwks string
}

func newJWTKey(t *testing.T) jwtKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}}
	b, _ := json.Marshal(set)
	return jwtKey{priv: k, jwks: string(b)}
}

// sign signs claims with ES256 (kid k1).
func (k jwtKey) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv},
		(&jose.SignerOptions{}).WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// unsigned builds a JWT with the given header and no valid signature.
func unsigned(header, claims map[string]any, sig string) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "." + sig
}

// assertion is a private_key_jwt client assertion with aud.
func (k jwtKey) assertion(t *testing.T, id string, aud any) string {
	now := time.Now().Unix()
	return k.sign(t, map[string]any{"iss": id, "sub": id, "aud": aud, "iat": now, "exp": now + 60,
		"jti": oauth2.GenerateVerifier()})
}

// postForm posts f to u with optional Basic credentials and decodes the
// JSON answer.
func postForm(t *testing.T, u string, f url.Values, id, secret string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// pageError extracts the error code an error page shows.
func pageError(body string) string {
	_, rest, _ := strings.Cut(body, "The request cannot be completed (")
	code, _, _ := strings.Cut(rest, ")")
	return code
}

// setupUser creates alice (password wonderland-42).
func setupUser(t *testing.T, srv interface {
	CreateUser(context.Context, login.UserSpec) (authcore.User, error)
}) {
	t.Helper()
	if _, err := srv.CreateUser(context.Background(), login.UserSpec{Username: "alice", Email: "alice@example.com", Password: "wonderland-42"}); err != nil {
		t.Fatal(err)
	}
}

func pkce(v url.Values) (url.Values, string) {
	verifier := oauth2.GenerateVerifier()
	v.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
	v.Set("code_challenge_method", "S256")
	return v, verifier
}

// PAR end to end (RFC 9126; docs/security.md PAR-01..PAR-04): client
// authentication required, request_uri refused in the body, 201 with a
// PAR URN under 600 s, /authorize with only client_id and request_uri,
// single use at completion, bound to the client, and a foreign
// request_uri refused without any outbound connection.
func TestPAREndToEnd(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	setupUser(t, srv.Login)
	redirect := "http://127.0.0.1:9/callback"
	spec := oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{redirect}, Scopes: []string{"orders:read"}}
	c1, s1, err := srv.OAuth.CreateClient(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	c2, s2, _ := srv.OAuth.CreateClient(ctx, spec)
	form, verifier := pkce(url.Values{"response_type": {"code"}, "client_id": {c1.ID}, "redirect_uri": {redirect},
		"scope": {"orders:read"}, "state": {"st-par"}})

	// PAR-01: no client authentication.
	if st, m := postForm(t, issuer+"/par", form, "", ""); st != 401 || m["error"] != "invalid_client" {
		t.Fatalf("PAR-01: %d %v", st, m)
	}
	// PAR-02 (a) request_uri in the body, (b) GET.
	bad := url.Values{"request_uri": {oauth.RequestURIPrefix + "x"}}
	for k, v := range form {
		bad[k] = v
	}
	if st, m := postForm(t, issuer+"/par", bad, c1.ID, s1); st != 400 || m["error"] != "invalid_request" {
		t.Fatalf("PAR-02a: %d %v", st, m)
	}
	if resp, err := http.Get(issuer + "/par"); err != nil || resp.StatusCode != 405 {
		t.Fatalf("PAR-02b: %v %v", resp.StatusCode, err)
	}
	// Validation as at /authorize: no PKCE is invalid_request.
	noPKCE := url.Values{"response_type": {"code"}, "client_id": {c1.ID}, "redirect_uri": {redirect}}
	if st, m := postForm(t, issuer+"/par", noPKCE, c1.ID, s1); st != 400 || m["error"] != "invalid_request" {
		t.Fatalf("PAR without PKCE: %d %v", st, m)
	}
	// PAR-03.
	st, m := postForm(t, issuer+"/par", form, c1.ID, s1)
	uri, _ := m["request_uri"].(string)
	exp, _ := m["expires_in"].(float64)
	if st != 201 || !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") || exp < 60 || exp >= 600 {
		t.Fatalf("PAR-03: %d %v", st, m)
	}
	// PAR-04a: another client's request_uri.
	b := testsupport.NewBrowser(t)
	resp, body := b.Get(issuer + "/authorize?" + url.Values{"client_id": {c2.ID}, "request_uri": {uri}}.Encode())
	if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || pageError(body) != "invalid_request_uri" {
		t.Fatalf("PAR-04a: %d %s", resp.StatusCode, body)
	}
	_ = s2
	authURL := issuer + "/authorize?" + url.Values{"client_id": {c1.ID}, "request_uri": {uri}}.Encode()
	back := b.SignIn(issuer, authURL, "alice", "wonderland-42").Redirect
	q := back.Query()
	if q.Get("code") == "" || q.Get("state") != "st-par" || q.Get("iss") != issuer {
		t.Fatalf("PAR-03 authorization response %s", back)
	}
	cfg := oauth2.Config{ClientID: c1.ID, ClientSecret: s1, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{TokenURL: issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatal(err)
	}
	// PAR-04b: used once.
	resp, body = b.Get(authURL)
	if resp.StatusCode != 400 || pageError(body) != "invalid_request_uri" {
		t.Fatalf("PAR-04b: %d %s", resp.StatusCode, body)
	}
	// PAR-04d: a URL request_uri is never fetched.
	var hits atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer trap.Close()
	for _, u := range []string{trap.URL + "/req.jwt", "http://169.254.169.254/", "urn:ietf:params:oauth:request_uri:nope"} {
		resp, body = b.Get(issuer + "/authorize?" + url.Values{"client_id": {c1.ID}, "request_uri": {u}}.Encode())
		if resp.StatusCode != 400 || pageError(body) != "invalid_request_uri" {
			t.Fatalf("PAR-04d %s: %d %s", u, resp.StatusCode, body)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the server fetched a request_uri %d times", hits.Load())
	}
}

// A client that requires PAR is refused at /authorize without it.
func TestRequirePAR(t *testing.T) {
	srv, issuer := servertest.Start(t)
	redirect := "http://127.0.0.1:9/callback"
	c, _, err := srv.OAuth.CreateClient(context.Background(), oauth.ClientSpec{Name: "Strict",
		RedirectURIs: []string{redirect}, RequirePushedAuthorizationRequests: true})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := pkce(url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect}, "state": {"s"}})
	resp, _ := testsupport.NewBrowser(t).Get(issuer + "/authorize?" + v.Encode())
	loc, _ := resp.Location()
	if resp.StatusCode != 303 || loc == nil || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("iss") != issuer {
		t.Fatalf("authorize without PAR: %d %v", resp.StatusCode, loc)
	}
}

// Each metadata field of PAR, JAR and the device grant is advertised,
// in both discovery documents, and names an endpoint that answers.
func TestPARDeviceMetadata(t *testing.T) {
	_, issuer := servertest.Start(t)
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		var md map[string]any
		getJSON(t, issuer+path, &md)
		if md["pushed_authorization_request_endpoint"] != issuer+"/par" ||
			md["require_pushed_authorization_requests"] != false ||
			md["request_parameter_supported"] != true || md["request_uri_parameter_supported"] != true ||
			md["device_authorization_endpoint"] != issuer+"/device_authorization" {
			t.Fatalf("%s: %v", path, md)
		}
		algs, _ := json.Marshal(md["request_object_signing_alg_values_supported"])
		if string(algs) != `["ES256","PS256","EdDSA","RS256"]` {
			t.Errorf("%s: request object algs %s", path, algs)
		}
		gts, _ := json.Marshal(md["grant_types_supported"])
		if !strings.Contains(string(gts), "urn:ietf:params:oauth:grant-type:device_code") {
			t.Errorf("%s: grant types %s", path, gts)
		}
	}
	for _, ep := range []string{"/par", "/device_authorization"} {
		if st, m := postForm(t, issuer+ep, url.Values{}, "", ""); st != 401 && st != 400 || m["error"] == nil {
			t.Errorf("%s answers %d %v", ep, st, m)
		}
	}
}
