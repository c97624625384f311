package badger

import (
	"slices"
	"sync"

	"github.com/latchkey/latchkey/authcore"
)

// clientCache keeps decoded client records in memory: GetClient is on the
// token endpoint's hot path (every client authentication), and one process
// owns the store, so every write passes through here. A reader fills the
// cache only if no write happened while it read (gen), so a stale record
// can never be cached after a newer one was committed.
type clientCache struct {
	mu      sync.RWMutex
	gen     uint64
	records map[string]clientV1
}

func (c *clientCache) get(id string) (clientV1, bool, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	r, ok := c.records[id]
	return r, ok, c.gen
}

// fill caches r, read while the generation was gen.
func (c *clientCache) fill(r clientV1, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.records == nil {
		c.records = make(map[string]clientV1)
	}
	c.records[r.ID] = r
}

// forget drops id after a committed write to it.
func (c *clientCache) forget(id string) {
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
