package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/authcore"
)

// TestRegisterJWKS checks what a private_key_jwt registration accepts:
// public asymmetric signing keys with a usable alg, nothing else.
func TestRegisterJWKS(t *testing.T) {
	e := newEnv(t)
	ec := newKey(t, "ES256").(*ecdsa.PrivateKey)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsa2048 := newKey(t, "RS256")
	ed := newKey(t, "EdDSA")
	jwk := func(key any, kid, alg string) jose.JSONWebKey {
		return jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg}
	}
	encKey := jwk(ec.Public(), "e", "")
	encKey.Use = "enc"
	ok := map[string]string{
		"EC with alg":     jwksOf(t, jwk(ec.Public(), "a", "ES256")),
		"EC without alg":  jwksOf(t, jwk(ec.Public(), "", "")),
		"RSA without alg": jwksOf(t, jwk(rsa2048.Public(), "r", "")),
		"RSA PS256":       jwksOf(t, jwk(rsa2048.Public(), "r", "PS256")),
		"Ed25519":         jwksOf(t, jwk(ed.Public(), "d", "EdDSA")),
		"three keys":      jwksOf(t, jwk(ec.Public(), "a", "ES256"), jwk(rsa2048.Public(), "b", "RS256"), jwk(ed.Public(), "c", "")),
	}
	bad := map[string]string{
		"symmetric key":                 jwksOf(t, jwk([]byte("0123456789abcdef0123456789abcdef"), "s", "HS256")),
		"EC private key":                jwksOf(t, jwk(ec, "p", "ES256")),
		"RSA private key":               jwksOf(t, jwk(rsa2048, "p", "RS256")),
		"Ed25519 private key":           jwksOf(t, jwk(ed, "p", "EdDSA")),
		"P-384 key":                     jwksOf(t, jwk(p384.Public(), "x", "")),
		"RSA 1024":                      jwksOf(t, jwk(rsa1024.Public(), "x", "RS256")),
		"alg of another key type":       jwksOf(t, jwk(rsa2048.Public(), "x", "ES256")),
		"alg none":                      jwksOf(t, jwk(ec.Public(), "x", "none")),
		"use enc":                       jwksOf(t, encKey),
		"duplicate kid":                 jwksOf(t, jwk(ec.Public(), "a", ""), jwk(ed.Public(), "a", "")),
		"several keys, one without kid": jwksOf(t, jwk(ec.Public(), "a", ""), jwk(ed.Public(), "", "")),
		"no keys":                       `{"keys":[]}`,
		"not JSON":                      `{"keys":[`,
		"garbage":                       "garbage",
		"unknown kty":                   `{"keys":[{"kty":"XYZ","kid":"a"}]}`,
		"EC point off the curve":        `{"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]}`,
		"too large":                     `{"keys":[],"pad":"` + strings.Repeat("a", 70<<10) + `"}`,
		"empty":                         "",
	}
	spec := func(jwks string) ClientSpec {
		return ClientSpec{Name: "k", AuthMethod: authcore.AuthPrivateKeyJWT, JWKS: jwks,
			GrantTypes: []string{authcore.GrantClientCredentials}}
	}
	ctx := context.Background()
	for name, jwks := range ok {
		c, secret, err := e.srv.CreateClient(ctx, spec(jwks))
		if err != nil || secret != "" || c.JWKS != jwks {
			t.Errorf("%s: %v (secret %q)", name, err, secret)
		}
	}
	for name, jwks := range bad {
		if _, _, err := e.srv.CreateClient(ctx, spec(jwks)); !errors.Is(err, ErrInvalidClientMetadata) {
			t.Errorf("%s: got %v, want ErrInvalidClientMetadata", name, err)
		}
	}
	good := ok["EC with alg"]
	for name, s := range map[string]ClientSpec{
		"jwks_uri":                  func() ClientSpec { s := spec(""); s.JWKSURI = "https://client.example/jwks"; return s }(),
		"jwks_uri and jwks":         func() ClientSpec { s := spec(good); s.JWKSURI = "https://client.example/jwks"; return s }(),
		"jwks with a secret method": {Name: "k", JWKS: good, GrantTypes: []string{authcore.GrantClientCredentials}},
		"public client with jwks":   {Name: "k", Type: authcore.Public, JWKS: good, RedirectURIs: []string{"http://127.0.0.1/cb"}},
	} {
		if _, _, err := e.srv.CreateClient(ctx, s); !errors.Is(err, ErrInvalidClientMetadata) {
			t.Errorf("%s: got %v, want ErrInvalidClientMetadata", name, err)
		}
	}
}

// TestUpdateJWKS checks that an update without keys keeps the registered
// ones, an update with keys replaces them, and bad keys are refused.
func TestUpdateJWKS(t *testing.T) {
	e := newEnv(t)
	c := e.jwtClient("ES256")
	ctx := context.Background()
	spec := ClientSpec{Name: "renamed", AuthMethod: authcore.AuthPrivateKeyJWT,
		GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"orders:read"}}
	got, err := e.srv.UpdateClient(ctx, c.ID, spec)
	if err != nil || got.JWKS != c.Client.JWKS {
		t.Fatalf("update without keys: %v, JWKS changed: %v", err, got.JWKS != c.Client.JWKS)
	}
	if r := e.post("/token", assertionForm(c.sign(t, e.claims(c), nil)), nil); r.status != 200 {
		t.Fatalf("old key after update: %d %s", r.status, r.raw)
	}
	next := newKey(t, "EdDSA")
	spec.JWKS = jwksOf(t, jose.JSONWebKey{Key: next.Public(), KeyID: "k2", Algorithm: "EdDSA"})
	if _, err := e.srv.UpdateClient(ctx, c.ID, spec); err != nil {
		t.Fatal(err)
	}
	if r := e.post("/token", assertionForm(c.sign(t, e.claims(c), nil)), nil); r.status != 401 {
		t.Fatalf("replaced key still works: %d %s", r.status, r.raw)
	}
	n := jwtClient{testClient: c.testClient, alg: "EdDSA", kid: "k2", priv: next}
	if r := e.post("/token", assertionForm(n.sign(t, e.claims(n), nil)), nil); r.status != 200 {
		t.Fatalf("new key: %d %s", r.status, r.raw)
	}
	spec.JWKS = `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`
	if _, err := e.srv.UpdateClient(ctx, c.ID, spec); !errors.Is(err, ErrInvalidClientMetadata) {
		t.Fatalf("update with a symmetric key: %v", err)
	}
}
