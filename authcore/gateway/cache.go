package gateway

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/latchkey/latchkey/authcore/jwkset"
)

// verifiedTTL bounds how long a verified token is trusted without
// checking its signature again. An entry also dies with the key set it was
// verified against: a rotation or an emergency key revocation (a new
// JWKS) empties the cache's effect at once.
const verifiedTTL = 30 * time.Second

const maxVerified = 10_000

// verifiedCache remembers tokens whose signature and claims verified, by
// SHA-256 (the token itself is not kept), until the earlier of
// exp + leeway and verifiedTTL. Audience, binding, revocation, scopes and
// limits are still checked on every request.
type verifiedCache struct {
	mu      sync.RWMutex
	entries map[[32]byte]verifiedEntry
}

type verifiedEntry struct {
	id    Identity
	until time.Time
	set   *jwkset.Set // the key set the signature verified against
}

func newVerifiedCache() *verifiedCache {
	return &verifiedCache{entries: make(map[[32]byte]verifiedEntry)}
}

func (c *verifiedCache) get(key [32]byte, set *jwkset.Set, now time.Time) (*Identity, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) || e.set != set {
		return nil, false
	}
	id := e.id
	return &id, true
}

func (c *verifiedCache) put(key [32]byte, id *Identity, set *jwkset.Set, until time.Time, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxVerified {
		for k, e := range c.entries {
			if !now.Before(e.until) || len(c.entries) >= maxVerified {
				delete(c.entries, k)
			}
		}
	}
	c.entries[key] = verifiedEntry{id: *id, until: until, set: set}
}

func tokenKey(tok string) [32]byte { return sha256.Sum256([]byte(tok)) }
