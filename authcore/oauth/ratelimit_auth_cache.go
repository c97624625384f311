package oauth

import (
	"context"
	"sync"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// Counter caching for stores several nodes share (Config.CounterTTL).
const counterCacheMax = 10_000 // keys; when full the cache starts again empty

// cachedCounters keeps the failed-authentication counts this node read or
// wrote, so that a client authenticating correctly costs no store round
// trip on a shared database. A count this node increments is exact at once
// (IncrementCounter returns it); one another node increments is seen here
// within staleness. A guesser spreading attempts over several nodes meets
// the shared ceiling all the same, plus at most one attempt per node and
// key: that attempt's own increment returns the true count, and the node
// refuses from then on.
type cachedCounters struct {
	authcore.Counters
	staleness time.Duration

	mu   sync.Mutex
	keys map[string]cachedCount
}

type cachedCount struct {
	n         int
	until, at time.Time
}

// live is the count at now, or ok false when it must be read again.
func (c cachedCount) live(now time.Time, staleness time.Duration) (n int, until time.Time, ok bool) {
	if now.Before(c.at) || now.Sub(c.at) >= staleness {
		return 0, time.Time{}, false
	}
	if !c.until.After(now) {
		return 0, time.Time{}, true // the window ended
	}
	return c.n, c.until, true
}

// MaxCounter answers from the cache, reading the keys it lacks (each on
// its own, so that each is cached with its own count).
func (c *cachedCounters) MaxCounter(ctx context.Context, now time.Time, keys ...string) (int, time.Time, error) {
	best, bestUntil := 0, time.Time{}
	for _, k := range keys {
		c.mu.Lock()
		e, hit := c.keys[k]
		c.mu.Unlock()
		n, until, ok := e.live(now, c.staleness)
		if !hit || !ok {
			var err error
			if n, until, err = c.Counters.MaxCounter(ctx, now, k); err != nil {
				return 0, time.Time{}, err
			}
			c.put(k, n, until, now)
		}
		if n > best || (n == best && until.After(bestUntil)) {
			best, bestUntil = n, until
		}
	}
	return best, bestUntil, nil
}

// IncrementCounter counts in the store and caches the count it returns.
func (c *cachedCounters) IncrementCounter(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	n, until, err := c.Counters.IncrementCounter(ctx, key, window, now)
	if err == nil {
		c.put(key, n, until, now)
	}
	return n, until, err
}

func (c *cachedCounters) put(k string, n int, until, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil || len(c.keys) >= counterCacheMax {
		c.keys = make(map[string]cachedCount)
	}
	if cur, ok := c.keys[k]; ok && cur.until.Equal(until) && cur.n > n {
		n = cur.n // one window's count only grows: a concurrent increment counted higher
	}
	c.keys[k] = cachedCount{n: n, until: until, at: now}
}

// guardCounters are the counters the failure guard uses: the store's,
// cached when cfg.CounterTTL is set.
func guardCounters(cfg Config) authcore.Counters {
	if cfg.CounterTTL <= 0 {
		return cfg.Store
	}
	return &cachedCounters{Counters: cfg.Store, staleness: cfg.CounterTTL}
}
