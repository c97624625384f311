// Package tokencache remembers tokens whose signature and claims verified,
// so a hot path does not verify the same signature again on every
// request. It is shared by the gateway and the token introspection
// endpoint and imports no Latchkey package.
//
// An entry is keyed by the token's SHA-256 (the token itself is not
// kept), lives until the deadline its caller gives (the earlier of the
// token's exp and a short TTL), and belongs to a generation: the key set
// the signature verified against. A lookup with another generation
// misses, so a key rotation or an emergency key revocation takes effect
// at once. What can change while a token is valid (its revocation,
// audience, binding) is not cached: callers check it on every request.
package tokencache

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
)

// Key is the cache key of a token.
type Key [32]byte

// KeyOf hashes tok.
func KeyOf(tok string) Key { return sha256.Sum256([]byte(tok)) }

// Cache maps token hashes to verified values of type V under a
// generation of type G. Reads take no lock (sync.Map); a Put past Max
// sweeps expired entries, then arbitrary ones, until the cache is back to
// three quarters of Max. It is safe for concurrent use.
type Cache[V any, G comparable] struct {
	max   int
	m     sync.Map // Key -> *entry[V, G]
	size  atomic.Int64
	sweep sync.Mutex
}

type entry[V any, G comparable] struct {
	v     V
	gen   G
	until time.Time
}

// New returns a Cache of at most limit entries (at least 1).
func New[V any, G comparable](limit int) *Cache[V, G] {
	return &Cache[V, G]{max: max(limit, 1)}
}

// Get returns the value stored under k for generation gen when it is
// still before its deadline at now.
func (c *Cache[V, G]) Get(k Key, gen G, now time.Time) (V, bool) {
	var zero V
	x, ok := c.m.Load(k)
	if !ok {
		return zero, false
	}
	e := x.(*entry[V, G])
	if e.gen != gen || !now.Before(e.until) {
		return zero, false
	}
	return e.v, true
}

// Put stores v under k for generation gen until the deadline until.
func (c *Cache[V, G]) Put(k Key, v V, gen G, until, now time.Time) {
	if !now.Before(until) {
		return
	}
	if _, loaded := c.m.Swap(k, &entry[V, G]{v: v, gen: gen, until: until}); loaded {
		return
	}
	if c.size.Add(1) > int64(c.max) {
		c.shrink(k, gen, now)
	}
}

// shrink drops expired entries and those of another generation, then
// arbitrary ones other than keep (the entry just stored), until at most
// three quarters of max remain.
func (c *Cache[V, G]) shrink(keep Key, gen G, now time.Time) {
	if !c.sweep.TryLock() {
		return // another Put is sweeping
	}
	defer c.sweep.Unlock()
	target := int64(c.max) * 3 / 4
	drop := func(k any) {
		if _, ok := c.m.LoadAndDelete(k); ok {
			c.size.Add(-1)
		}
	}
	c.m.Range(func(k, x any) bool {
		if e := x.(*entry[V, G]); e.gen != gen || !now.Before(e.until) {
			drop(k)
		}
		return true
	})
	c.m.Range(func(k, _ any) bool {
		if c.size.Load() <= target {
			return false
		}
		if k.(Key) != keep {
			drop(k)
		}
		return true
	})
}

// Len reports how many entries the cache holds, expired ones included.
func (c *Cache[V, G]) Len() int { return int(c.size.Load()) }
