package federation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// methods is the fixed algorithm table (RFC 8725 §3.1): none and HS* are
// absent by construction, so no configuration can admit them.
var methods = map[string]jwt.SigningMethod{
	"RS256": jwt.SigningMethodRS256,
	"PS256": jwt.SigningMethodPS256,
	"ES256": jwt.SigningMethodES256,
	"EdDSA": jwt.SigningMethodEdDSA,
}

// pubKey is one verification key of a provider and the algorithms it is
// bound to (RFC 8725 §3.1: the key decides the algorithm, not the token).
type pubKey struct {
	kid  string
	algs []string
	key  crypto.PublicKey
}

// keySet is a provider's JWKS reduced to usable public signing keys.
type keySet struct {
	keys []pubKey
}

// parseJWKS parses a JWKS (RFC 7517 §5). Keys that are private,
// symmetric, for encryption, too weak or of an unsupported type are
// dropped, so an HMAC secret can never be looked up; one odd key is not
// fatal.
func parseJWKS(body []byte) (*keySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("federation: JWKS is not a JSON key set")
	}
	ks := &keySet{}
	for _, raw := range doc.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil || !jwk.IsPublic() || (jwk.Use != "" && jwk.Use != "sig") {
			continue
		}
		if algs := boundAlgs(jwk.Key, jwk.Algorithm); len(algs) > 0 {
			ks.keys = append(ks.keys, pubKey{kid: jwk.KeyID, algs: algs, key: jwk.Key})
		}
	}
	return ks, nil
}

// boundAlgs returns the algorithms key may verify: EC P-256 -> ES256,
// Ed25519 -> EdDSA, RSA of 2048 bits or more -> RS256 and PS256; a JWK
// alg narrows that to itself (or to nothing when it disagrees).
func boundAlgs(key any, jwkAlg string) []string {
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
	for _, a := range algs {
		if a == jwkAlg {
			return []string{a}
		}
	}
	return nil
}

// find returns the keys with kid that are bound to alg. A token without
// kid may use the set's only key.
func (ks *keySet) find(kid, alg string) []pubKey {
	if ks == nil {
		return nil
	}
	var out []pubKey
	for _, k := range ks.keys {
		if (k.kid == kid || (kid == "" && len(ks.keys) == 1)) && contains(k.algs, alg) {
			out = append(out, k)
		}
	}
	return out
}

// kids returns the key ids of the set, for TestConnection.
func (ks *keySet) kids() []KeyInfo {
	out := make([]KeyInfo, 0, len(ks.keys))
	for _, k := range ks.keys {
		out = append(out, KeyInfo{KeyID: k.kid, Algorithms: k.algs})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
