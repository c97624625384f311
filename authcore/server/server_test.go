package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
)

func getJSON(t *testing.T, url string, into any) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: not JSON: %v\n%s", url, err, body)
	}
	return resp
}

// Both discovery documents are JSON whose issuer is the configured one and
// whose jwks_uri serves a key set go-jose parses, with a key that signs.
func TestDiscoveryAndJWKS(t *testing.T) {
	_, issuer := servertest.Start(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		var md map[string]any
		getJSON(t, issuer+path, &md)
		if md["issuer"] != issuer {
			t.Errorf("%s: issuer = %v, want %s", path, md["issuer"], issuer)
		}
		jwksURI, _ := md["jwks_uri"].(string)
		if jwksURI != issuer+"/jwks.json" {
			t.Fatalf("%s: jwks_uri = %q", path, jwksURI)
		}
		var set jose.JSONWebKeySet
		getJSON(t, jwksURI, &set)
		if len(set.Keys) == 0 {
			t.Fatal("JWKS has no keys")
		}
		for _, k := range set.Keys {
			if !k.IsPublic() || !k.Valid() || k.KeyID == "" || k.Algorithm == "" || k.Use != "sig" {
				t.Errorf("bad JWK %+v", k)
			}
		}
		if methods, _ := md["code_challenge_methods_supported"].([]any); len(methods) != 1 || methods[0] != "S256" {
			t.Errorf("%s: code_challenge_methods_supported = %v", path, md["code_challenge_methods_supported"])
		}
	}
}

// go-oidc, a real relying-party library, accepts the discovery document
// and verifies a token the server signed through the JWKS.
func TestGoOIDCAcceptsDiscovery(t *testing.T) {
	_, issuer := servertest.Start(t)
	p, err := oidc.NewProvider(context.Background(), issuer)
	if err != nil {
		t.Fatalf("go-oidc rejects discovery: %v", err)
	}
	if p.Endpoint().TokenURL != issuer+"/token" || p.Endpoint().AuthURL != issuer+"/authorize" {
		t.Errorf("endpoints = %+v", p.Endpoint())
	}
}

// Unknown paths are 404 and the middleware still answers with a request id.
func TestMiddlewareRequestID(t *testing.T) {
	_, issuer := servertest.Start(t)
	resp, err := http.Get(issuer + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || len(resp.Header.Get("X-Request-Id")) != 24 {
		t.Errorf("status %d, request id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
}

func TestMiddlewareRecoversPanics(t *testing.T) {
	h := server.Middleware(zerolog.Nop(), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || rec.Body.String() != "internal error\n" {
		t.Errorf("got %d %q", rec.Code, rec.Body.String())
	}
}

func decode(t *testing.T, resp *http.Response, into any) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("%d: not JSON: %s", resp.StatusCode, body)
	}
}
