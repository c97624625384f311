package login

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiterKeys bounds the limiter's memory; past it, idle entries are
// dropped.
const maxLimiterKeys = 10000

// limiter is a token bucket per remote IP for login attempts.
type limiter struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	keys  map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(l rate.Limit, burst int) *limiter {
	return &limiter{limit: l, burst: max(burst, 1), keys: make(map[string]*bucket)}
}

// allow takes one token for key at now. When none is left it returns
// false and the whole seconds to wait (at least 1).
func (l *limiter) allow(key string, now time.Time) (bool, int) {
	if l.limit == rate.Inf {
		return true, 0
	}
	l.mu.Lock()
	b, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= maxLimiterKeys {
			l.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.keys[key] = b
	}
	b.seen = now
	l.mu.Unlock()
	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return false, 60
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, max(1, int(math.Ceil(d.Seconds())))
	}
	return true, 0
}

// sweep drops idle buckets (a full bucket is the same as a new one); if
// none are idle it drops them all rather than grow without bound.
func (l *limiter) sweep(now time.Time) {
	idle := time.Duration(float64(l.burst)/float64(l.limit)*float64(time.Second)) + time.Second
	for k, b := range l.keys {
		if now.Sub(b.seen) > idle {
			delete(l.keys, k)
		}
	}
	if len(l.keys) >= maxLimiterKeys {
		clear(l.keys)
	}
}

// limitKey is the bucket of a remote IP: the address itself for IPv4, its
// /64 for IPv6, since one host usually holds a whole /64.
func limitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
