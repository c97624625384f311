package badger

import (
	"context"
	"errors"
	"sync"
	"time"
)

// maxCounters bounds the memory of the throttle counters: past it, ended
// counters are dropped, then the one whose window ends first.
const maxCounters = 100_000

// errBadWindow refuses a counter window that would end at or before now.
var errBadWindow = errors.New("badger: counter window must be positive")

// counterSet is the Badger store's authcore.Counters: in memory, since a
// Badger store belongs to one process (Options.Dir is locked), so a
// process-wide count is the count of the whole installation. Counts start
// again at zero on a restart, which the Counters contract allows. The
// zero value is ready.
type counterSet struct {
	mu sync.Mutex
	m  map[string]counter
}

type counter struct {
	n     int
	until time.Time
}

// IncrementCounter adds one to the counter key (authcore.Counters).
func (s *Store) IncrementCounter(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	if key == "" {
		return 0, time.Time{}, errEmptyID
	}
	if window <= 0 {
		return 0, time.Time{}, errBadWindow
	}
	if err := ctx.Err(); err != nil {
		return 0, time.Time{}, err
	}
	c := &s.counters
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]counter)
	}
	v, ok := c.m[key]
	if !ok || !now.Before(v.until) {
		if !ok && len(c.m) >= maxCounters {
			c.evict(now)
		}
		v = counter{until: now.Add(window)}
	}
	v.n++
	c.m[key] = v
	return v.n, v.until, nil
}

// MaxCounter returns the highest live count among keys at now
// (authcore.Counters).
func (s *Store) MaxCounter(ctx context.Context, now time.Time, keys ...string) (int, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return 0, time.Time{}, err
	}
	c := &s.counters
	c.mu.Lock()
	defer c.mu.Unlock()
	best := counter{}
	for _, key := range keys {
		v, ok := c.m[key]
		if !ok || !now.Before(v.until) {
			continue
		}
		if v.n > best.n || (v.n == best.n && v.until.After(best.until)) {
			best = v
		}
	}
	return best.n, best.until, nil
}

// evict drops the ended counters, and if none ended the one ending first
// (a throttle forgets its oldest window rather than grow without bound);
// c.mu is held.
func (c *counterSet) evict(now time.Time) {
	first, firstKey := time.Time{}, ""
	for k, v := range c.m {
		if !now.Before(v.until) {
			delete(c.m, k)
			continue
		}
		if firstKey == "" || v.until.Before(first) {
			first, firstKey = v.until, k
		}
	}
	if len(c.m) >= maxCounters {
		delete(c.m, firstKey)
	}
}
