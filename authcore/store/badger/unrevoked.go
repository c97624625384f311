package badger

import (
	"sync"
	"sync/atomic"
)

// maxUnrevoked bounds the jtis unrevokedCache remembers; past it the set
// starts again empty.
const maxUnrevoked = 1 << 16

// unrevokedCache remembers the jtis IsRevoked found not revoked, so the
// gateway and introspection, which ask about the same live tokens on
// every request, skip the store read. An answer holds only until the next
// write: every transaction the store commits (update, Restore) bumps
// writes once its commit has returned, before the writer is
// acknowledged, and a remembered answer counts only while writes is
// still what it was when its read began. So a revocation acknowledged
// before IsRevoked starts is always read from the store.
type unrevokedCache struct {
	writes atomic.Uint64 // committed write transactions, bumped after each

	mu  sync.RWMutex
	at  uint64              // the writes count the set holds for
	set map[string]struct{} // jtis read as not revoked at that count
}

// wrote records that a write transaction has committed (or may have).
func (c *unrevokedCache) wrote() { c.writes.Add(1) }

// epoch is the count an IsRevoked call must read before the store.
func (c *unrevokedCache) epoch() uint64 { return c.writes.Load() }

// known reports whether jti was read as not revoked with no write since
// epoch e (taken before this lookup).
func (c *unrevokedCache) known(jti string, e uint64) bool {
	c.mu.RLock()
	_, ok := c.set[jti]
	ok = ok && c.at == e
	c.mu.RUnlock()
	return ok
}

// remember records that a store read begun at epoch e found jti not
// revoked. A read that a later write may have overtaken is dropped.
func (c *unrevokedCache) remember(jti string, e uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writes.Load() != e || e < c.at {
		return
	}
	if c.set == nil || e != c.at || len(c.set) >= maxUnrevoked {
		c.at, c.set = e, make(map[string]struct{})
	}
	c.set[jti] = struct{}{}
}
