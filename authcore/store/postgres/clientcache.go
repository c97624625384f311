package postgres

import (
	"slices"
	"sync"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// GetClient is on the token endpoint's hot path (every client
// authentication), so a node keeps the clients it read in memory, like
// Badger's store does. Unlike Badger, other nodes and the CLI write the
// same table, so the cache is on only while this store's change feed is
// watched (WatchChanges: the server always does): the clients trigger
// (migration 0030) logs every insert, update and delete, the watch drops
// the entry (NOTIFY: milliseconds), and a resync drops them all. An entry
// is also never served after clientCacheTTL, so a change reaches every
// node within that bound even while notifications and the change log
// cannot be read. The node's own writes drop their entry at commit.
// Missing clients are never cached: a deleted client is refused as soon as
// its entry is dropped, and a token a node issued it in the moment before
// is refused everywhere by the deletion mark (authcore.ClientRevocationJTI,
// which stands for every token of the client).
const (
	clientCacheTTL = time.Second
	clientCacheMax = 10_000 // entries; when full the cache starts again empty
)

// clientCache is the per-node cache of client records. A reader fills it
// only if nothing was dropped while it read (gen), so a record read before
// a change committed is never cached after the change was seen.
type clientCache struct {
	mu       sync.Mutex
	watching int // running WatchChanges calls; 0: no cache
	gen      uint64
	records  map[string]cachedClient
}

type cachedClient struct {
	c  authcore.Client
	at time.Time
}

// get returns a copy of the cached client id if it is fresh at now, and
// the generation to fill with otherwise (ok false, fill false: no cache).
func (c *clientCache) get(id string, now time.Time) (cl authcore.Client, ok bool, gen uint64, fill bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watching == 0 {
		return cl, false, 0, false
	}
	r, hit := c.records[id]
	if hit && !now.Before(r.at) && now.Sub(r.at) < clientCacheTTL {
		return cloneClient(r.c), true, c.gen, true
	}
	return cl, false, c.gen, true
}

// fill caches cl, read at now while the generation was gen.
func (c *clientCache) fill(cl authcore.Client, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watching == 0 || c.gen != gen {
		return
	}
	if c.records == nil || len(c.records) >= clientCacheMax {
		c.records = make(map[string]cachedClient)
	}
	c.records[cl.ID] = cachedClient{c: cloneClient(cl), at: now}
}

// forget drops the clients ids, or every client when ids is empty.
func (c *clientCache) forget(ids ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if len(ids) == 0 {
		c.records = nil
		return
	}
	for _, id := range ids {
		delete(c.records, id)
	}
}

// watch turns the cache on for the length of one WatchChanges call; the
// returned function turns it off again and empties it.
func (c *clientCache) watch() (stop func()) {
	c.mu.Lock()
	c.watching++
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.watching--
		c.gen++
		c.records = nil
	}
}

// apply drops what a batch of the change feed names (everything on a
// resync), before the watcher's caller sees the batch.
func (c *clientCache) apply(batch []authcore.Change, resync bool) {
	if resync {
		c.forget()
		return
	}
	var ids []string
	for _, ch := range batch {
		if ch.Kind == authcore.ChangeClient {
			ids = append(ids, ch.Ref)
		}
	}
	if len(ids) > 0 {
		c.forget(ids...)
	}
}

// cloneClient copies c with its own slices, so that a caller changing
// them cannot change the cached record.
func cloneClient(c authcore.Client) authcore.Client {
	c.RedirectURIs, c.GrantTypes = slices.Clone(c.RedirectURIs), slices.Clone(c.GrantTypes)
	c.Scopes, c.Audience = slices.Clone(c.Scopes), slices.Clone(c.Audience)
	c.SecretHash, c.PrevSecretHash = slices.Clone(c.SecretHash), slices.Clone(c.PrevSecretHash)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.RegistrationTokenHash, c.Contacts = slices.Clone(c.RegistrationTokenHash), slices.Clone(c.Contacts)
	return c
}
