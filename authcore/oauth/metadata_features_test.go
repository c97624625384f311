package oauth

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
)

// The metadata fields of features that can be switched off are
// advertised only when on, and then the feature works; off, its
// endpoint is not there (RFC 8414 §2: nothing advertised that does not
// work).
func TestMetadataFeatureSwitches(t *testing.T) {
	t.Run("registration_endpoint", func(t *testing.T) {
		off := newEnv(t)
		if _, ok := off.srv.Metadata(t.Context())["registration_endpoint"]; ok {
			t.Fatal("advertised with registration off")
		}
		if r := off.register("POST", "/register", regMeta("https://app.example/cb"), ""); r.status != 404 {
			t.Fatalf("POST /register with registration off: %d %s", r.status, r.raw)
		}
		on := newEnv(t, openRegistration)
		if on.srv.Metadata(t.Context())["registration_endpoint"] != on.ts.URL+"/register" {
			t.Fatal("not advertised with registration on")
		}
		if r := on.register("POST", "/register", regMeta("https://app.example/cb"), ""); r.status != 201 {
			t.Fatalf("registration: %d %s", r.status, r.raw)
		}
	})
	t.Run("device_authorization_endpoint", func(t *testing.T) {
		off := newEnv(t, func(c *Config) { c.Device.Disabled = true })
		md := off.srv.Metadata(t.Context())
		if _, ok := md["device_authorization_endpoint"]; ok || slices.Contains(md["grant_types_supported"].([]string), authcore.GrantDeviceCode) {
			t.Fatalf("advertised with the device grant off: %v", md)
		}
		if r := off.post("/device_authorization", url.Values{"client_id": {off.native.ID}}, nil); r.status != 404 {
			t.Fatalf("/device_authorization with the grant off: %d %s", r.status, r.raw)
		}
		on := newEnv(t)
		md = on.srv.Metadata(t.Context())
		if md["device_authorization_endpoint"] != on.ts.URL+"/device_authorization" ||
			!slices.Contains(md["grant_types_supported"].([]string), authcore.GrantDeviceCode) {
			t.Fatalf("not advertised with the device grant on: %v", md)
		}
		dev := on.client(ClientSpec{Name: "tv", Type: authcore.Public, GrantTypes: []string{authcore.GrantDeviceCode},
			Scopes: []string{"orders:read"}})
		r := on.post("/device_authorization", url.Values{"client_id": {dev.ID}, "scope": {"orders:read"}}, nil)
		if r.status != 200 || r.str("device_code") == "" || r.str("user_code") == "" {
			t.Fatalf("device authorization: %d %s", r.status, r.raw)
		}
		poll := on.post("/token", url.Values{"grant_type": {authcore.GrantDeviceCode}, "device_code": {r.str("device_code")},
			"client_id": {dev.ID}}, nil)
		if poll.status != 400 || poll.str("error") != "authorization_pending" {
			t.Fatalf("first poll: %d %s", poll.status, poll.raw)
		}
	})
	t.Run("require_pushed_authorization_requests", func(t *testing.T) {
		verifier := oauth2.GenerateVerifier()
		off := newEnv(t)
		if off.srv.Metadata(t.Context())["require_pushed_authorization_requests"] != false {
			t.Fatal("advertised true with RequirePAR off")
		}
		if off.code(off.web, verifier) == "" {
			t.Fatal("a plain authorization request failed with RequirePAR off")
		}
		on := newEnv(t, func(c *Config) { c.RequirePAR = true })
		if on.srv.Metadata(t.Context())["require_pushed_authorization_requests"] != true {
			t.Fatal("not advertised with RequirePAR on")
		}
		loc, _ := url.Parse(on.authorize(authParams(on.web, verifier).Encode()).Header.Get("Location"))
		if loc.Query().Get("error") != CodeInvalidRequest || loc.Query().Get("iss") != on.ts.URL {
			t.Fatalf("plain authorization request with RequirePAR on: %s", loc)
		}
		par := on.post("/par", authParams(on.web, verifier), &on.web)
		if par.status != 201 || on.codeFor(on.web.ID, par.str("request_uri")) == "" {
			t.Fatalf("PAR with RequirePAR on: %d %s", par.status, par.raw)
		}
	})
	t.Run("mtls_endpoint_aliases", func(t *testing.T) {
		// mTLS runs on the endpoints themselves (the listener asks for
		// client certificates), so no aliases are advertised either way
		// (RFC 8705 §5: clients then use the usual endpoints).
		for _, on := range []bool{false, true} {
			if _, ok := newMTLSEnv(t, on).srv.Metadata(t.Context())["mtls_endpoint_aliases"]; ok {
				t.Fatalf("mtls_endpoint_aliases advertised (mTLS %v)", on)
			}
		}
	})
}

// authorization_response_iss_parameter_supported is true, and iss is in
// every authorization response, success and error (RFC 9207 §2).
func TestMetadataIssParameter(t *testing.T) {
	e := newEnv(t)
	if e.srv.Metadata(t.Context())["authorization_response_iss_parameter_supported"] != true {
		t.Fatal("not advertised")
	}
	verifier := oauth2.GenerateVerifier()
	ok, _ := url.Parse(e.authorize(authParams(e.web, verifier).Encode()).Header.Get("Location"))
	q := authParams(e.web, verifier)
	q.Del("code_challenge")
	bad, _ := url.Parse(e.authorize(q.Encode()).Header.Get("Location"))
	if ok.Query().Get("code") == "" || ok.Query().Get("iss") != e.ts.URL ||
		bad.Query().Get("error") != CodeInvalidRequest || bad.Query().Get("iss") != e.ts.URL {
		t.Fatalf("iss: success %s, error %s", ok, bad)
	}
}

// Every algorithm in request_object_signing_alg_values_supported
// verifies a request object at /par; none and HS256 are not advertised
// and are refused (RFC 9101 §10.5, RFC 8725 §3.1).
func TestMetadataRequestObjectAlgorithms(t *testing.T) {
	e := newEnv(t)
	algs, _ := e.srv.Metadata(t.Context())["request_object_signing_alg_values_supported"].([]string)
	if len(algs) == 0 || slices.Contains(algs, "none") || slices.Contains(algs, "HS256") {
		t.Fatalf("request_object_signing_alg_values_supported = %v", algs)
	}
	keys := map[string]crypto.Signer{}
	var jwks []jose.JSONWebKey
	for _, alg := range algs {
		keys[alg] = newKey(t, alg)
		jwks = append(jwks, jose.JSONWebKey{Key: keys[alg].Public(), KeyID: alg, Algorithm: alg, Use: "sig"})
	}
	c := e.client(ClientSpec{Name: "jar", AuthMethod: authcore.AuthPrivateKeyJWT, JWKS: jwksOf(t, jwks...),
		RedirectURIs: []string{"https://jar.example/cb"}, Scopes: []string{"orders:read"}})
	jc := jwtClient{testClient: c}
	verifier := oauth2.GenerateVerifier()
	object := func(alg string, key any) string {
		now := e.clock.Now().Unix()
		claims := map[string]any{"iss": c.ID, "aud": e.ts.URL, "exp": now + 60, "iat": now,
			"response_type": "code", "client_id": c.ID, "redirect_uri": c.RedirectURIs[0], "scope": "orders:read",
			"code_challenge": oauth2.S256ChallengeFromVerifier(verifier), "code_challenge_method": "S256"}
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key},
			(&jose.SignerOptions{}).WithHeader("kid", alg))
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
	push := func(obj string) tokenReply {
		jc.alg, jc.kid, jc.priv = "ES256", "ES256", keys["ES256"]
		f := url.Values{"client_id": {c.ID}, "request": {obj}}
		return e.post("/par", withAssertion(f, jc.sign(t, e.claims(jc), nil)), nil)
	}
	for _, alg := range algs {
		if r := push(object(alg, keys[alg])); r.status != 201 {
			t.Errorf("request object signed with advertised %s: %d %s", alg, r.status, r.raw)
		}
	}
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	p := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"iss":%q,"aud":%q,"exp":%d}`, c.ID, e.ts.URL, time.Now().Unix()+60))
	if r := push(h + "." + p + "."); r.status != 400 || r.str("error") != CodeInvalidRequestObject {
		t.Errorf("alg none: %d %s", r.status, r.raw)
	}
	if r := push(object("HS256", []byte("0123456789abcdef0123456789abcdef"))); r.status != 400 || r.str("error") != CodeInvalidRequestObject {
		t.Errorf("HS256: %d %s", r.status, r.raw)
	}
}

// Every algorithm in dpop_signing_alg_values_supported makes a proof the
// token endpoint accepts, binding the token to that key (RFC 9449 §5.1).
func TestMetadataDPoPAlgorithms(t *testing.T) {
	e := newEnv(t)
	algs, _ := e.srv.Metadata(t.Context())["dpop_signing_alg_values_supported"].([]string)
	if len(algs) == 0 {
		t.Fatal("dpop_signing_alg_values_supported missing")
	}
	for _, alg := range algs {
		key := newKey(t, alg)
		jwk := jose.JSONWebKey{Key: key.Public()}
		tp, _ := jwk.Thumbprint(crypto.SHA256)
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key},
			(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(map[string]any{"jti": oauth2.GenerateVerifier(), "htm": "POST",
			"htu": e.ts.URL + "/token", "iat": e.clock.Now().Unix()})
		jws, err := s.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		proof, _ := jws.CompactSerialize()
		r := e.postDPoP(ccForm, &e.svc, proof)
		if r.status != 200 || r.str("token_type") != "DPoP" ||
			accessCnf(t, r.str("access_token"))["jkt"] != base64.RawURLEncoding.EncodeToString(tp) {
			t.Errorf("DPoP proof with advertised %s: %d %s", alg, r.status, r.raw)
		}
	}
}
