package jwkset

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// methods is the algorithm allow-list (RFC 8725 §3.1; FAPI 2.0 §5.4.1
// plus RS256): the header's alg selects one of these only if the key is
// bound to it.
var methods = map[string]jwt.SigningMethod{
	"ES256": jwt.SigningMethodES256,
	"RS256": jwt.SigningMethodRS256,
	"PS256": jwt.SigningMethodPS256,
	"EdDSA": jwt.SigningMethodEdDSA,
}

// Allowed reports whether alg is on the allow-list. It never is for none
// or any HS* algorithm.
func Allowed(alg string) bool {
	_, ok := methods[alg]
	return ok
}

// Key is one public verification key and the algorithms bound to it.
type Key struct {
	KID  string
	Algs []string
	// Public is *ecdsa.PublicKey (P-256), ed25519.PublicKey or
	// *rsa.PublicKey (2048 bits or more).
	Public crypto.PublicKey
}

// Allows reports whether the key may verify alg.
func (k Key) Allows(alg string) bool { return slices.Contains(k.Algs, alg) }

// Verify checks sig over signingString with the key under alg, and fails
// when alg is not bound to the key.
func (k Key) Verify(alg, signingString string, sig []byte) error {
	if !k.Allows(alg) {
		return errors.New("jwkset: algorithm not bound to the key")
	}
	return methods[alg].Verify(signingString, sig, k.Public)
}

// Set is a parsed JWKS reduced to the keys that may verify signatures.
// It is immutable: a new JWKS is a new *Set, so a pointer comparison
// tells whether the keys changed.
type Set struct {
	byKid map[string][]Key
	all   []Key
}

// Parse parses a JWKS document (RFC 7517 §5). Keys that are private,
// symmetric, for encryption, too weak, of an unsupported type, or whose
// alg is not one the key type can verify are dropped, so an HMAC secret
// can never be looked up; one odd key is not fatal.
func Parse(body []byte) (*Set, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("jwkset: JWKS is not a JSON key set")
	}
	s := &Set{byKid: make(map[string][]Key)}
	for _, raw := range doc.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil || !jwk.IsPublic() || (jwk.Use != "" && jwk.Use != "sig") {
			continue
		}
		algs := bindAlgs(jwk.Key, jwk.Algorithm)
		if len(algs) == 0 {
			continue
		}
		k := Key{KID: jwk.KeyID, Algs: algs, Public: jwk.Key}
		s.all = append(s.all, k)
		s.byKid[k.KID] = append(s.byKid[k.KID], k)
	}
	return s, nil
}

// bindAlgs returns the algorithms key may verify: EC P-256 -> ES256,
// Ed25519 -> EdDSA, RSA of 2048 bits or more -> RS256 and PS256. A JWK
// alg narrows that to itself, or to nothing when it disagrees.
func bindAlgs(key any, jwkAlg string) []string {
	var algs []string
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			algs = []string{"ES256"}
		}
	case ed25519.PublicKey:
		algs = []string{"EdDSA"}
	case *rsa.PublicKey:
		if k.N.BitLen() >= 2048 {
			algs = []string{"RS256", "PS256"}
		}
	}
	if jwkAlg == "" {
		return algs
	}
	if slices.Contains(algs, jwkAlg) {
		return []string{jwkAlg}
	}
	return nil
}

// Len reports how many usable keys the set holds.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.all)
}

// Keys returns the usable keys in JWKS order.
func (s *Set) Keys() []Key {
	if s == nil {
		return nil
	}
	return slices.Clone(s.all)
}

// Lookup returns the keys with kid. A token without kid may use the
// set's only key; with several keys it finds none.
func (s *Set) Lookup(kid string) []Key {
	if s == nil {
		return nil
	}
	if kid == "" {
		if len(s.all) == 1 {
			return s.all
		}
		return nil
	}
	return s.byKid[kid]
}

// Find returns the keys Lookup finds that are bound to alg.
func (s *Set) Find(kid, alg string) []Key {
	var out []Key
	for _, k := range s.Lookup(kid) {
		if k.Allows(alg) {
			out = append(out, k)
		}
	}
	return out
}
