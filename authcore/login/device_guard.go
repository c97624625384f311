package login

import (
	"context"
	"sync"
	"time"
)

// Guessing limits of the device verification page (RFC 8628 §5.1). An
// address that enters deviceMaxFailures wrong user codes within
// deviceWindow, or a signed-in user who enters deviceUserMaxFailures
// (from any addresses), is refused until the window ends. Past
// deviceGlobalFailures wrong codes per minute from everyone together, a
// breaker delays every lookup by deviceBreakerDelay: it slows a
// distributed guesser down but never refuses anyone, so guessers cannot
// lock a victim with a valid code out.
const (
	deviceMaxFailures     = 5
	deviceUserMaxFailures = 10
	deviceWindow          = 15 * time.Minute
	deviceGlobalFailures  = 100
	deviceBreakerDelay    = time.Second
)

// deviceGuard counts wrong user codes per address, per user and in
// total.
type deviceGuard struct {
	mu          sync.Mutex
	ips, users  failCounts
	globalStart time.Time
	globalFails int
	// pause waits d or until ctx ends: the breaker's delay (tests
	// replace it).
	pause func(ctx context.Context, d time.Duration)
}

func newDeviceGuard() *deviceGuard {
	return &deviceGuard{ips: failCounts{}, users: failCounts{}, pause: sleep}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// check reports how long lookups from ip by user must wait before they
// are answered at all (0: go ahead), and the breaker's delay for this
// one.
func (g *deviceGuard) check(ip, user string, now time.Time) (refuse, delay time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	refuse = max(g.ips.locked(ip, deviceMaxFailures, now), g.users.locked(user, deviceUserMaxFailures, now))
	if now.Sub(g.globalStart) < time.Minute && g.globalFails >= deviceGlobalFailures {
		delay = deviceBreakerDelay
	}
	return refuse, delay
}

// failed records a wrong user code from ip by user.
func (g *deviceGuard) failed(ip, user string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ips.add(ip, now)
	g.users.add(user, now)
	if now.Sub(g.globalStart) >= time.Minute {
		g.globalStart, g.globalFails = now, 0
	}
	g.globalFails++
}

// failCounts counts failures per key within deviceWindow of the first.
type failCounts map[string]*guardEntry

type guardEntry struct {
	first time.Time
	fails int
}

// locked returns how long key stays refused after max failures, 0 when
// it is not.
func (f failCounts) locked(key string, max int, now time.Time) time.Duration {
	e := f[key]
	switch {
	case e == nil:
		return 0
	case now.Sub(e.first) >= deviceWindow:
		delete(f, key)
		return 0
	case e.fails >= max:
		return deviceWindow - now.Sub(e.first)
	}
	return 0
}

// add counts one failure of key, sweeping expired keys when the map is
// full.
func (f failCounts) add(key string, now time.Time) {
	if len(f) >= maxLimiterKeys {
		for k, e := range f {
			if now.Sub(e.first) >= deviceWindow {
				delete(f, k)
			}
		}
	}
	e := f[key]
	if e == nil || now.Sub(e.first) >= deviceWindow {
		e = &guardEntry{first: now}
		f[key] = e
	}
	e.fails++
}
