package dpop

import (
	"sync"
	"time"
)

// ReplayCache is a bounded in-memory set of proof jtis (RFC 9449 §11.1),
// each kept until Proof.ReplayUntil. It does not survive a restart: a
// proof replayed across one is caught only by a persistent cache (the
// authorization server uses authcore.Nonces.UseOnce). Safe for concurrent
// use.
type ReplayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
	max  int
}

// NewReplayCache returns a cache of at most max live entries.
func NewReplayCache(max int) *ReplayCache {
	return &ReplayCache{seen: make(map[string]time.Time), max: max}
}

// Add records key until until and reports whether it was new. When the
// cache is full of live entries it refuses (fails closed).
func (c *ReplayCache) Add(key string, until, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.seen[key]; ok && now.Before(t) {
		return false
	}
	if len(c.seen) >= c.max {
		for k, t := range c.seen {
			if !now.Before(t) {
				delete(c.seen, k)
			}
		}
		if len(c.seen) >= c.max {
			return false
		}
	}
	c.seen[key] = until
	return true
}
