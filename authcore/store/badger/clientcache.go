package badger

import (
	"slices"
	"sync"

	"github.com/latchkey/latchkey/authcore"
)

// recordCache keeps decoded records in memory, by ID, for records that
// are read far more often than written: GetClient is on the token
// endpoint's hot path (every client authentication), GetUser on every
// code exchange's (the user must still be active). One process owns the
// store, so every write passes through here. A reader fills the cache
// only if no write happened while it read (gen), so a stale record can
// never be cached after a newer one was committed.
type recordCache[T any] struct {
	mu      sync.RWMutex
	gen     uint64
	records map[string]T
}

type (
	clientCache = recordCache[clientV1]
	userCache   = recordCache[userV1]
)

func (c *recordCache[T]) get(id string) (T, bool, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	r, ok := c.records[id]
	return r, ok, c.gen
}

// fill caches r as id, read while the generation was gen.
func (c *recordCache[T]) fill(id string, r T, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.records == nil || len(c.records) >= maxCachedRecords {
		c.records = make(map[string]T)
	}
	c.records[id] = r
}

// maxCachedRecords bounds a cache: users may number in the millions, and
// a cache that kept every one ever read would grow with the store (the
// memory target at 10^6 records). Full, it starts over; a miss costs
// one read.
const maxCachedRecords = 10000

// forget drops id after a committed write to it (or one that may have
// committed).
func (c *recordCache[T]) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.records, id)
}

// cloned returns the domain client with its own slices, so a caller that
// changes them cannot change the cached record.
func (r clientV1) cloned() authcore.Client {
	c := r.domain()
	c.RedirectURIs, c.GrantTypes = slices.Clone(c.RedirectURIs), slices.Clone(c.GrantTypes)
	c.Scopes, c.Audience = slices.Clone(c.Scopes), slices.Clone(c.Audience)
	c.SecretHash, c.PrevSecretHash = slices.Clone(c.SecretHash), slices.Clone(c.PrevSecretHash)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.RegistrationTokenHash, c.Contacts = slices.Clone(c.RegistrationTokenHash), slices.Clone(c.Contacts)
	return c
}

// cloned returns the domain user with its own slices, so a caller that
// changes them cannot change the cached record.
func (r userV1) cloned() authcore.User {
	u := r.domain()
	u.FailedLogins = slices.Clone(u.FailedLogins)
	return u
}
