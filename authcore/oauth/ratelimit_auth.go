package oauth

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore/ratelimit"
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
	failures *ratelimit.Limiter
}

func newAuthGuard(l rate.Limit, burst int) *authGuard {
	return &authGuard{failures: ratelimit.New(l, burst)}
}

// blocked reports whether client or ip has no failed attempt left, and
// for how many seconds.
func (g *authGuard) blocked(client, ip string, now time.Time) (bool, int) {
	for _, k := range []string{"c:" + client, "ip:" + ip} {
		if wait := g.failures.RetryAfter(k, now); wait > 0 {
			return true, wait
		}
	}
	return false, 0
}

// failed spends one attempt for client and for ip.
func (g *authGuard) failed(client, ip string, now time.Time) {
	g.failures.Allow("c:"+client, now)
	g.failures.Allow("ip:"+ip, now)
}

// errThrottled answers 429 with Retry-After (set by writeError).
func errThrottled(wait int) *Error {
	return &Error{Code: CodeTemporarilyUnavailable, Status: http.StatusTooManyRequests,
		Description: "too many failed client authentications; retry later", retryAfter: wait}
}
