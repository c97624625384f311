package login

import (
	"sync"
	"time"
)

// Guessing limits of the device verification page (RFC 8628 §5.1): an
// IP that enters deviceMaxFailures wrong user codes within deviceWindow
// is locked out until the window ends, and past deviceGlobalFailures
// wrong codes per minute from all IPs together every lookup waits for
// the next minute, so a distributed guesser gains little either.
const (
	deviceMaxFailures    = 5
	deviceWindow         = 15 * time.Minute
	deviceGlobalFailures = 100
)

// deviceGuard counts wrong user codes per IP and in total.
type deviceGuard struct {
	mu          sync.Mutex
	ips         map[string]*guardEntry
	globalStart time.Time
	globalFails int
}

type guardEntry struct {
	first time.Time
	fails int
}

func newDeviceGuard() *deviceGuard { return &deviceGuard{ips: map[string]*guardEntry{}} }

// locked reports whether lookups from ip must wait, and how long.
func (g *deviceGuard) locked(ip string, now time.Time) (bool, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e := g.ips[ip]; e != nil {
		if now.Sub(e.first) >= deviceWindow {
			delete(g.ips, ip)
		} else if e.fails >= deviceMaxFailures {
			return true, deviceWindow - now.Sub(e.first)
		}
	}
	if now.Sub(g.globalStart) < time.Minute && g.globalFails >= deviceGlobalFailures {
		return true, time.Minute - now.Sub(g.globalStart)
	}
	return false, 0
}

// failed records a wrong user code from ip.
func (g *deviceGuard) failed(ip string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.ips) >= maxLimiterKeys {
		for k, e := range g.ips {
			if now.Sub(e.first) >= deviceWindow {
				delete(g.ips, k)
			}
		}
	}
	e := g.ips[ip]
	if e == nil || now.Sub(e.first) >= deviceWindow {
		e = &guardEntry{first: now}
		g.ips[ip] = e
	}
	e.fails++
	if now.Sub(g.globalStart) >= time.Minute {
		g.globalStart, g.globalFails = now, 0
	}
	g.globalFails++
}
