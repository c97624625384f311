package jwkset

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

type keys struct {
	ec  *ecdsa.PrivateKey
	ed  ed25519.PrivateKey
	rsa *rsa.PrivateKey
}

func newKeys(t testing.TB) keys {
	t.Helper()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return keys{ec: ec, ed: ed, rsa: rk}
}

func jwks(t testing.TB, ks ...jose.JSONWebKey) []byte {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: ks})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseBindsAlgorithms: each key type gets only its own algorithms, a
// JWK alg narrows them, and nothing an attacker could use as an HMAC
// secret or a private key is ever found.
func TestParseBindsAlgorithms(t *testing.T) {
	k := newKeys(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	body := jwks(t,
		jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "ec"},
		jose.JSONWebKey{Key: k.ed.Public(), KeyID: "ed"},
		jose.JSONWebKey{Key: &k.rsa.PublicKey, KeyID: "rsa"},
		jose.JSONWebKey{Key: &k.rsa.PublicKey, KeyID: "rsa-ps", Algorithm: "PS256"},
		jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "ec-says-rs", Algorithm: "RS256"},
		jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "hmac", Algorithm: "HS256"},
		jose.JSONWebKey{Key: k.ec, KeyID: "private"},
		jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "enc", Use: "enc"},
		jose.JSONWebKey{Key: &p384.PublicKey, KeyID: "p384"},
		jose.JSONWebKey{Key: &weak.PublicKey, KeyID: "rsa1024"},
	)
	// One odd entry is skipped, not fatal.
	body = append(body[:len(body)-2], []byte(`,{"kty":"nope"}]}`)...)
	s, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"ec": {"ES256"}, "ed": {"EdDSA"}, "rsa": {"RS256", "PS256"}, "rsa-ps": {"PS256"}}
	if s.Len() != len(want) {
		t.Fatalf("%d keys, want %d: %+v", s.Len(), len(want), s.Keys())
	}
	for kid, algs := range want {
		got := s.Lookup(kid)
		if len(got) != 1 || len(got[0].Algs) != len(algs) {
			t.Fatalf("%s: %+v", kid, got)
		}
		for i := range algs {
			if got[0].Algs[i] != algs[i] {
				t.Errorf("%s: algs %v, want %v", kid, got[0].Algs, algs)
			}
		}
	}
	for _, kid := range []string{"hmac", "private", "enc", "p384", "rsa1024", "ec-says-rs", ""} {
		if got := s.Lookup(kid); len(got) != 0 {
			t.Errorf("kid %q found: %+v", kid, got)
		}
	}
	if len(s.Find("rsa-ps", "RS256")) != 0 || len(s.Find("rsa-ps", "PS256")) != 1 || len(s.Find("ec", "none")) != 0 {
		t.Error("Find does not filter by the bound algorithm")
	}
	for _, alg := range []string{"none", "HS256", "HS384", "HS512", "ES384", ""} {
		if Allowed(alg) {
			t.Errorf("%q allowed", alg)
		}
	}
	if _, err := Parse([]byte(`not json`)); err == nil {
		t.Error("non-JSON JWKS accepted")
	}
}

// TestVerify: a key verifies only under an algorithm bound to it.
func TestVerify(t *testing.T) {
	k := newKeys(t)
	s, _ := Parse(jwks(t, jose.JSONWebKey{Key: &k.rsa.PublicKey, KeyID: "r", Algorithm: "PS256"},
		jose.JSONWebKey{Key: &k.ec.PublicKey}))
	ss := "a.b"
	ps, _ := jwt.SigningMethodPS256.Sign(ss, k.rsa)
	rs, _ := jwt.SigningMethodRS256.Sign(ss, k.rsa)
	key := s.Lookup("r")[0]
	if err := key.Verify("PS256", ss, ps); err != nil {
		t.Fatal(err)
	}
	if key.Verify("RS256", ss, rs) == nil {
		t.Error("RS256 verified with a PS256-bound key")
	}
	if key.Verify("PS256", "a.c", ps) == nil {
		t.Error("signature over other bytes verified")
	}
	// No kid: only the set's single key would do, and this set has two.
	if len(s.Lookup("")) != 0 {
		t.Error("kid-less lookup picked one of several keys")
	}
	one, _ := Parse(jwks(t, jose.JSONWebKey{Key: &k.ec.PublicKey}))
	if len(one.Lookup("")) != 1 {
		t.Error("kid-less lookup of a single-key set found nothing")
	}
}
