// Package ratelimit is a set of token buckets keyed by a string (a client
// id, a remote IP), with bounded memory and a rate that may change while
// it runs. The login form and the OAuth endpoints share it; it imports no
// Latchkey package.
package ratelimit

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// MaxKeys bounds the memory of a Limiter: a new key past it first drops
// the idle buckets, and all of them if none is idle.
const MaxKeys = 10000

// Limiter is a token bucket per key. Every key starts with a full burst.
// Set changes the rate of every key; each bucket takes the new rate the
// next time its key is seen, keeping the tokens it has spent. The zero
// value is not usable; call New.
type Limiter struct {
	params atomic.Pointer[params]
	mu     sync.Mutex
	keys   map[string]*bucket
}

// params are a Limiter's rate and burst; Set replaces them whole.
type params struct {
	limit rate.Limit
	burst int
}

type bucket struct {
	lim    *rate.Limiter
	seen   time.Time
	params *params // what lim was last set to
}

// New returns a Limiter of r tokens a second and burst (at least 1);
// rate.Inf limits nothing.
func New(r rate.Limit, burst int) *Limiter {
	l := &Limiter{keys: make(map[string]*bucket)}
	l.Set(r, burst)
	return l
}

// Set changes the rate and burst for every key. Buckets keep the tokens
// they hold (capped at the new burst), so a change never hands an
// attacker a fresh burst. Safe while Allow runs.
func (l *Limiter) Set(r rate.Limit, burst int) {
	l.params.Store(&params{limit: r, burst: max(burst, 1)})
}

// Allow takes one token for key at now. When none is available it returns
// false and the whole seconds to wait (at least 1; 60 when the burst can
// never hold one token, as with a zero rate and burst).
func (l *Limiter) Allow(key string, now time.Time) (bool, int) {
	p := l.params.Load()
	if p.limit == rate.Inf {
		return true, 0
	}
	l.mu.Lock()
	b, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= MaxKeys {
			l.sweep(now, p)
		}
		b = &bucket{lim: rate.NewLimiter(p.limit, p.burst), params: p}
		l.keys[key] = b
	}
	b.update(now, p)
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

// RetryAfter returns 0 when key has a token now, else the seconds until
// it has one, truncated, plus one (never less than the true wait; 60
// when it never refills, as Allow says). It spends nothing, and
// allocates nothing for a key it has not seen (its burst is full).
func (l *Limiter) RetryAfter(key string, now time.Time) int {
	p := l.params.Load()
	if p.limit == rate.Inf {
		return 0
	}
	l.mu.Lock()
	b := l.keys[key]
	if b != nil {
		b.update(now, p)
	}
	l.mu.Unlock()
	if b == nil {
		return 0
	}
	missing := 1 - b.lim.TokensAt(now)
	switch {
	case missing <= 0:
		return 0
	case p.limit <= 0:
		return 60 // never refills: as Allow answers (missing/0 is +Inf, which int() turns negative)
	}
	return int(missing/float64(p.limit)) + 1
}

// update moves b to the params in force; l.mu is held.
func (b *bucket) update(now time.Time, p *params) {
	if b.params != p {
		b.lim.SetLimitAt(now, p.limit)
		b.lim.SetBurstAt(now, p.burst)
		b.params = p
	}
}

// sweep drops idle buckets (a full bucket is the same as a new one); if
// none are idle it drops them all rather than grow without bound. l.mu is
// held.
func (l *Limiter) sweep(now time.Time, p *params) {
	idle := time.Duration(float64(p.burst)/float64(p.limit)*float64(time.Second)) + time.Second
	for k, b := range l.keys {
		if now.Sub(b.seen) > idle {
			delete(l.keys, k)
		}
	}
	if len(l.keys) >= MaxKeys {
		clear(l.keys)
	}
}
