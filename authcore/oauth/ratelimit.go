package oauth

import (
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiterKeys bounds the memory of a limiter; past it, idle entries are
// dropped.
const maxLimiterKeys = 10000

// limiter is a set of token buckets keyed by client id or remote IP. Its
// rate can change while it runs (set); each bucket takes the new rate the
// next time its key is seen.
type limiter struct {
	params atomic.Pointer[limitParams]
	mu     sync.Mutex
	keys   map[string]*bucket
}

// limitParams are a limiter's rate and burst; set replaces them whole.
type limitParams struct {
	limit rate.Limit
	burst int
}

type bucket struct {
	lim    *rate.Limiter
	seen   time.Time
	params *limitParams // what lim was last set to
}

func newLimiter(l rate.Limit, burst int) *limiter {
	lim := &limiter{keys: make(map[string]*bucket)}
	lim.set(l, burst)
	return lim
}

// set changes the rate and burst for every key. Buckets keep the tokens
// they hold (capped at the new burst), so a change never hands an
// attacker a fresh burst.
func (l *limiter) set(r rate.Limit, burst int) {
	if burst <= 0 {
		burst = 1
	}
	l.params.Store(&limitParams{limit: r, burst: burst})
}

// allow takes one token for key at now. When none is available it
// returns false and the whole seconds to wait.
func (l *limiter) allow(key string, now time.Time) (bool, int) {
	p := l.params.Load()
	if p.limit == rate.Inf || key == "" {
		return true, 0
	}
	l.mu.Lock()
	b, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= maxLimiterKeys {
			l.sweep(now, p)
		}
		b = &bucket{lim: rate.NewLimiter(p.limit, p.burst), params: p}
		l.keys[key] = b
	}
	if b.params != p {
		b.lim.SetLimitAt(now, p.limit)
		b.lim.SetBurstAt(now, p.burst)
		b.params = p
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
func (l *limiter) sweep(now time.Time, p *limitParams) {
	idle := time.Duration(float64(p.burst)/float64(p.limit)*float64(time.Second)) + time.Second
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
