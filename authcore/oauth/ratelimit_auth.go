package oauth

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of the brute-force guard on client authentication (OAuth 2.1
// §2.4.1, §7.7): 20 failed attempts at once, then one a second, per
// claimed client_id and per remote IP.
const (
	DefaultAuthFailureRate  = rate.Limit(1)
	DefaultAuthFailureBurst = 20
)

// authGuard throttles failed client authentications. Only failures spend
// its tokens, so a client that authenticates correctly is never slowed,
// while guessing a secret costs a second a try once the burst is spent.
type authGuard struct {
	failures *limiter
}

func newAuthGuard(l rate.Limit, burst int) *authGuard {
	return &authGuard{failures: newLimiter(l, burst)}
}

// blocked reports whether client or ip has no failed attempt left, and
// for how many seconds.
func (g *authGuard) blocked(client, ip string, now time.Time) (bool, int) {
	for _, k := range []string{"c:" + client, "ip:" + ip} {
		if wait := g.failures.exhausted(k, now); wait > 0 {
			return true, wait
		}
	}
	return false, 0
}

// failed spends one attempt for client and for ip.
func (g *authGuard) failed(client, ip string, now time.Time) {
	g.failures.allow("c:"+client, now)
	g.failures.allow("ip:"+ip, now)
}

// exhausted returns the seconds until key has a token again, or 0 when it
// has one now. It spends nothing and allocates nothing for unknown keys.
func (l *limiter) exhausted(key string, now time.Time) int {
	p := l.params.Load()
	if p.limit == rate.Inf {
		return 0
	}
	l.mu.Lock()
	b := l.keys[key]
	if b != nil && b.params != p {
		b.lim.SetLimitAt(now, p.limit)
		b.lim.SetBurstAt(now, p.burst)
		b.params = p
	}
	l.mu.Unlock()
	if b == nil {
		return 0
	}
	if missing := 1 - b.lim.TokensAt(now); missing > 0 {
		return int(missing/float64(p.limit)) + 1
	}
	return 0
}

// errThrottled answers 429 with Retry-After (set by writeError).
func errThrottled(wait int) *Error {
	return &Error{Code: CodeTemporarilyUnavailable, Status: http.StatusTooManyRequests,
		Description: "too many failed client authentications; retry later", retryAfter: wait}
}
