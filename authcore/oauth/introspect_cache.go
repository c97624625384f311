package oauth

import (
	"sync"
	"time"

	"github.com/latchkey/latchkey/authcore/tokencache"
)

// introspectTTL bounds how long introspection trusts an access token's
// verified signature and claims without verifying them again; an entry
// never outlives the token's exp.
const introspectTTL = 30 * time.Second

// maxIntrospected bounds the verified-token cache of introspection.
const maxIntrospected = 10_000

// keyGeneration is implemented by signers whose key set can change
// (keys.Manager): the ETag of the JWKS changes with every rotation and
// revocation. Introspection caches verified tokens only for such a
// signer, and only under the generation they verified in, so a revoked
// key's tokens are inactive at once.
type keyGeneration interface {
	JWKS() (body []byte, etag string)
}

// verifiedAccess is introspection's verified-token cache (tokencache,
// shared with the gateway). What it caches is only what cannot change
// while the key set stays the same: the signature and the signed claims.
// The token's own revocation, the caller's right to see it and the answer
// are decided on every request. Its zero value is ready: it is set up on
// first use.
type verifiedAccess struct {
	once  sync.Once
	gen   keyGeneration // nil: the signer cannot say when keys change; no caching
	cache *tokencache.Cache[*accessClaims, string]
}

func (s *Server) verifiedCache() *verifiedAccess {
	v := &s.verified
	v.once.Do(func() {
		v.gen, _ = s.signer.(keyGeneration)
		v.cache = tokencache.New[*accessClaims, string](maxIntrospected)
	})
	return v
}

// verifyAccessCached is verifyAccess behind the verified-token cache. The
// claims it returns are shared between requests and must not be changed.
func (s *Server) verifyAccessCached(token string) (*accessClaims, bool) {
	v := s.verifiedCache()
	if v.gen == nil || len(token) > maxTokenLen {
		return s.verifyAccess(token)
	}
	_, gen := v.gen.JWKS()
	key, now := tokencache.KeyOf(token), s.now()
	if c, ok := v.cache.Get(key, gen, now); ok {
		return c, true
	}
	c, ok := s.verifyAccess(token)
	if !ok {
		return nil, false
	}
	// The generation read before Verify: a key change in between makes
	// the entry miss on its next lookup, never outlive the change.
	until := now.Add(introspectTTL)
	if c.ExpiresAt.Time.Before(until) {
		until = c.ExpiresAt.Time
	}
	v.cache.Put(key, c, gen, until, now)
	return c, true
}
