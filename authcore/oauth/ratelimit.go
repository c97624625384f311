package oauth

import (
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiterKeys bounds the memory of a limiter; past it, idle entries are
// dropped.
const maxLimiterKeys = 10000

// limiter is a set of token buckets keyed by client id or remote IP.
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
	if burst <= 0 {
		burst = 1
	}
	return &limiter{limit: l, burst: burst, keys: make(map[string]*bucket)}
}

// allow takes one token for key at now. When none is available it
// returns false and the whole seconds to wait.
func (l *limiter) allow(key string, now time.Time) (bool, int) {
	if l.limit == rate.Inf || key == "" {
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
		return false, int(math.Ceil(d.Seconds()))
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

// remoteIP is the IP of the direct peer. Forwarded headers are not
// trusted here; a proxy-aware server rewrites RemoteAddr before us.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
