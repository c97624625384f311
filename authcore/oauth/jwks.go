package oauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/go-jose/go-jose/v4"
)

// Limits of a client's registered key set.
const (
	maxJWKSBytes = 64 << 10
	maxJWKSKeys  = 16
	minRSABits   = 2048
)

// assertionAlgorithms are the JWS algorithms accepted on client
// assertions and request objects. Unexported so that no importer can
// change what the server accepts; AssertionAlgorithms hands out copies.
var assertionAlgorithms = []string{"ES256", "PS256", "EdDSA", "RS256"}

// AssertionAlgorithms returns (a copy of) the JWS algorithms accepted on
// client assertions (RFC 7523 §3 item 9; RFC 8725 §3.1) and advertised as
// token_endpoint_auth_signing_alg_values_supported (RFC 8414 §2). FAPI
// 2.0 (§5.4.1) allows only PS256, ES256 and EdDSA; RS256 is here for
// plain OAuth clients. none and the HMAC algorithms are never accepted.
func AssertionAlgorithms() []string { return slices.Clone(assertionAlgorithms) }

// clientKey is one public key of a client's registered JWKS, with the
// algorithms it may verify: the JWK's alg when it names one, otherwise
// the allowed algorithms of its key type (RFC 7517 §4.4, RFC 8725 §3.1).
type clientKey struct {
	kid  string
	algs []string
	key  any // *ecdsa.PublicKey, *rsa.PublicKey or ed25519.PublicKey
}

// parseClientJWKS parses a client's registered JWK Set (RFC 7517 §5).
// Every key must be public, asymmetric, meant for signatures and usable
// with one of assertionAlgorithms; kids must be unique, and present when
// there is more than one key. The error text is safe to show to the
// administrator who registered the set.
func parseClientJWKS(raw string) ([]clientKey, error) {
	if len(raw) > maxJWKSBytes {
		return nil, fmt.Errorf("oauth: jwks is larger than %d bytes", maxJWKSBytes)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(raw), &set); err != nil {
		return nil, errors.New("oauth: jwks is not a valid JWK Set")
	}
	switch n := len(set.Keys); {
	case n == 0:
		return nil, errors.New("oauth: jwks holds no key")
	case n > maxJWKSKeys:
		return nil, fmt.Errorf("oauth: jwks holds more than %d keys", maxJWKSKeys)
	}
	keys := make([]clientKey, 0, len(set.Keys))
	for i, k := range set.Keys {
		ck, err := checkClientKey(k)
		if err != nil {
			return nil, fmt.Errorf("oauth: jwks key %d: %w", i, err)
		}
		if len(set.Keys) > 1 && ck.kid == "" {
			return nil, fmt.Errorf("oauth: jwks key %d: a set of several keys needs a kid on each", i)
		}
		for _, other := range keys {
			if other.kid == ck.kid {
				return nil, fmt.Errorf("oauth: jwks key %d: kid %q is not unique", i, ck.kid)
			}
		}
		keys = append(keys, ck)
	}
	return keys, nil
}

// checkClientKey validates one JWK and derives the algorithms it allows.
func checkClientKey(k jose.JSONWebKey) (clientKey, error) {
	if !k.Valid() || !k.IsPublic() {
		return clientKey{}, errors.New("not a valid public key (private and symmetric keys are refused)")
	}
	if k.Use != "" && k.Use != "sig" {
		return clientKey{}, fmt.Errorf("use %q is not sig", k.Use)
	}
	var algs []string
	switch pub := k.Key.(type) {
	case *ecdsa.PublicKey:
		if pub.Curve == elliptic.P256() {
			algs = []string{"ES256"}
		}
	case *rsa.PublicKey:
		if pub.N.BitLen() >= minRSABits {
			algs = []string{"PS256", "RS256"}
		}
	case ed25519.PublicKey:
		algs = []string{"EdDSA"}
	default:
		return clientKey{}, errors.New("key type is not EC, RSA or OKP")
	}
	if k.Algorithm != "" {
		if !slices.Contains(algs, k.Algorithm) {
			return clientKey{}, fmt.Errorf("alg %q is not usable with this key (allowed: %v)", k.Algorithm, algs)
		}
		algs = []string{k.Algorithm}
	}
	if len(algs) == 0 {
		return clientKey{}, fmt.Errorf("no usable alg: want a P-256, RSA >= %d bit or Ed25519 key", minRSABits)
	}
	return clientKey{kid: k.KeyID, algs: algs, key: k.Key}, nil
}

// selectKey picks the key that must verify an assertion with header kid
// and alg: the key with that kid, or the only key when either the header
// or that key has no kid. The
// alg must be one the key allows, so the algorithm is bound to the key,
// never taken from the header alone (RFC 8725 §3.1).
func selectKey(keys []clientKey, kid, alg string) (clientKey, bool) {
	for _, k := range keys {
		match := k.kid == kid || (len(keys) == 1 && (kid == "" || k.kid == ""))
		if match && slices.Contains(k.algs, alg) {
			return k, true
		}
	}
	return clientKey{}, false
}
