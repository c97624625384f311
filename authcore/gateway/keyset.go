package gateway

import (
	"context"
	"sync/atomic"

	"github.com/latchkey/latchkey/authcore/jwkset"
)

// KeySource supplies the issuer's verification keys. The gateway asks for
// the current set; when a token names a kid the set does not hold, it asks
// once more with refresh true, and the source decides (under its own rate
// limit, RFC 8725 §3.10) whether to refetch. Keys come only from the
// authorization server (RFC 9068 §4): never from a token's jku, x5u, jwk
// or x5c header.
//
// A *jwkset.Set holds only public signing keys each bound to the
// algorithms it may verify (EC P-256 -> ES256, Ed25519 -> EdDSA, RSA of
// 2048 bits or more -> its JWK alg, or RS256/PS256), so an HMAC "key" can
// never be found. A new JWKS must be a new *jwkset.Set: the verified-token
// cache forgets what was verified against another set.
type KeySource interface {
	KeySet(ctx context.Context, refresh bool) (*jwkset.Set, error)
}

// funcKeys is the embedded KeySource over keys.Manager.JWKS.
type funcKeys struct {
	fn    func() ([]byte, string)
	cache atomic.Pointer[etagSet]
}

type etagSet struct {
	etag string
	set  *jwkset.Set
}

// NewFuncKeySource returns the embedded KeySource: fn returns the current
// JWKS body and its ETag, as (*keys.Manager).JWKS does. The body is parsed
// again only when the ETag changes; refresh is ignored because fn is
// always current.
func NewFuncKeySource(fn func() (body []byte, etag string)) KeySource {
	return &funcKeys{fn: fn}
}

func (f *funcKeys) KeySet(context.Context, bool) (*jwkset.Set, error) {
	body, etag := f.fn()
	if c := f.cache.Load(); c != nil && etag != "" && c.etag == etag {
		return c.set, nil
	}
	ks, err := jwkset.Parse(body)
	if err != nil {
		return nil, err
	}
	f.cache.Store(&etagSet{etag: etag, set: ks})
	return ks, nil
}
