package gateway

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"sync/atomic"

	jose "github.com/go-jose/go-jose/v4"
)

// ErrUnknownKey is returned by KeySet lookups when no usable key has the
// token's kid.
var ErrUnknownKey = errors.New("gateway: no key with that kid in the issuer's JWKS")

// KeySource supplies the issuer's verification keys. The gateway asks for
// the current set; when a token names a kid the set does not hold, it asks
// once more with refresh true, and the source decides (under its own rate
// limit, RFC 8725 §3.10) whether to refetch. Keys come only from the
// authorization server (RFC 9068 §4): never from a token's jku, x5u, jwk
// or x5c header.
type KeySource interface {
	KeySet(ctx context.Context, refresh bool) (*KeySet, error)
}

// KeySet is a parsed JWKS (RFC 7517 §5) reduced to the keys a gateway may
// verify access tokens with, each bound to the one or two algorithms it
// may be used with (RFC 8725 §3.1): EC P-256 -> ES256, Ed25519 -> EdDSA,
// RSA of 2048 bits or more -> the JWK's alg, or RS256/PS256 when it has
// none. Symmetric, private, encryption-only and unsupported keys are
// dropped, so an HMAC "key" can never be found.
type KeySet struct {
	byKid map[string][]verifyKey
	all   []verifyKey
}

// verifyKey is one public key and the algorithms bound to it.
type verifyKey struct {
	kid  string
	algs []string
	key  crypto.PublicKey
}

// ParseJWKS parses a JWKS document. A key that fails to parse is skipped,
// not fatal, so one odd entry does not take the gateway down.
func ParseJWKS(body []byte) (*KeySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("gateway: JWKS is not a JSON key set")
	}
	ks := &KeySet{byKid: make(map[string][]verifyKey)}
	for _, raw := range doc.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			continue
		}
		if jwk.Use != "" && jwk.Use != "sig" {
			continue
		}
		algs := algsForKey(jwk.Key, jwk.Algorithm)
		if len(algs) == 0 {
			continue
		}
		vk := verifyKey{kid: jwk.KeyID, algs: algs, key: jwk.Key}
		ks.all = append(ks.all, vk)
		ks.byKid[jwk.KeyID] = append(ks.byKid[jwk.KeyID], vk)
	}
	return ks, nil
}

// Len reports how many usable keys the set holds.
func (ks *KeySet) Len() int {
	if ks == nil {
		return 0
	}
	return len(ks.all)
}

// lookup returns the candidate keys for kid. A token without kid may use
// the set's only key.
func (ks *KeySet) lookup(kid string) []verifyKey {
	if ks == nil {
		return nil
	}
	if kid == "" {
		if len(ks.all) == 1 {
			return ks.all
		}
		return nil
	}
	return ks.byKid[kid]
}

// algsForKey binds a public key to the algorithms of the allow-list it
// may verify. jwkAlg, when set, must be one of them and is then the only
// one.
func algsForKey(key any, jwkAlg string) []string {
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

// funcKeys is the embedded KeySource over keys.Manager.JWKS.
type funcKeys struct {
	fn    func() ([]byte, string)
	cache atomic.Pointer[etagSet]
}

type etagSet struct {
	etag string
	set  *KeySet
}

// NewFuncKeySource returns the embedded KeySource: fn returns the current
// JWKS body and its ETag, as (*keys.Manager).JWKS does. The body is parsed
// again only when the ETag changes; refresh is ignored because fn is
// always current.
func NewFuncKeySource(fn func() (body []byte, etag string)) KeySource {
	return &funcKeys{fn: fn}
}

func (f *funcKeys) KeySet(context.Context, bool) (*KeySet, error) {
	body, etag := f.fn()
	if c := f.cache.Load(); c != nil && etag != "" && c.etag == etag {
		return c.set, nil
	}
	ks, err := ParseJWKS(body)
	if err != nil {
		return nil, err
	}
	f.cache.Store(&etagSet{etag: etag, set: ks})
	return ks, nil
}
