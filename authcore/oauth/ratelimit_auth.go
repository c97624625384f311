package oauth

import (
	"context"
	"math"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/ratelimit"
)

// Defaults of the brute-force guard on client authentication (OAuth 2.1
// §2.4.1, §7.7): 20 failed attempts at once, then one a second, per
// claimed client_id and per remote IP.
const (
	DefaultAuthFailureRate  = rate.Limit(1)
	DefaultAuthFailureBurst = 20
)

// neverRefills is the shared window of a zero failure rate: the burst,
// once spent, comes back after a day.
const neverRefills = 24 * time.Hour

// authGuard throttles failed client authentications. Only failures spend
// its tokens, so a client that authenticates correctly is never slowed,
// while guessing a secret costs a second a try once the burst is spent.
//
// It counts twice: a token bucket in this process (smooth refill), and
// a fixed-window count in the store (authcore.Counters), burst failures
// per burst/rate, which every node sharing the store sees. So a guesser
// spreading attempts over several nodes meets the same ceiling as on one.
type authGuard struct {
	failures *ratelimit.Limiter
	shared   authcore.Counters
	params   atomic.Pointer[guardParams]
}

// guardParams are the shared count's ceiling and window.
type guardParams struct {
	burst  int
	window time.Duration // 0: no limit
}

func newAuthGuard(shared authcore.Counters, l rate.Limit, burst int) *authGuard {
	g := &authGuard{failures: ratelimit.New(l, burst), shared: shared}
	g.set(l, burst)
	return g
}

// set changes the rate and burst of both counts.
func (g *authGuard) set(l rate.Limit, burst int) {
	g.failures.Set(l, burst)
	p := &guardParams{burst: max(burst, 1)}
	switch {
	case l == rate.Inf:
	case l <= 0:
		p.window = neverRefills
	default:
		p.window = time.Duration(math.Ceil(float64(p.burst) / float64(l) * float64(time.Second)))
	}
	g.params.Store(p)
}

// guardKeys are the shared counters of a claimed client and an address.
func guardKeys(client, ip string) []string {
	keys := []string{"client_auth:ip:" + ip}
	if client != "" {
		keys = append(keys, "client_auth:c:"+client)
	}
	return keys
}

// blocked reports whether client or ip has no failed attempt left, and
// for how many seconds. An error is the store's: the caller answers it as
// unavailable rather than let an attempt through uncounted.
func (g *authGuard) blocked(ctx context.Context, client, ip string, now time.Time) (bool, int, error) {
	for _, k := range []string{"c:" + client, "ip:" + ip} {
		if wait := g.failures.RetryAfter(k, now); wait > 0 {
			return true, wait, nil
		}
	}
	p := g.params.Load()
	if p.window == 0 {
		return false, 0, nil
	}
	n, until, err := g.shared.MaxCounter(ctx, now, guardKeys(client, ip)...) // one read for both keys
	if err != nil || n < p.burst {
		return false, 0, err
	}
	return true, max(1, int(math.Ceil(until.Sub(now).Seconds()))), nil
}

// failed spends one attempt for client and for ip, here and in the store.
func (g *authGuard) failed(ctx context.Context, client, ip string, now time.Time) error {
	g.failures.Allow("c:"+client, now)
	g.failures.Allow("ip:"+ip, now)
	p := g.params.Load()
	if p.window == 0 {
		return nil
	}
	for _, k := range guardKeys(client, ip) {
		if _, _, err := g.shared.IncrementCounter(ctx, k, p.window, now); err != nil {
			return err
		}
	}
	return nil
}

// errThrottled answers 429 with Retry-After (set by writeError).
func errThrottled(wait int) *Error {
	return &Error{Code: CodeTemporarilyUnavailable, Status: http.StatusTooManyRequests,
		Description: "too many failed client authentications; retry later", retryAfter: wait}
}
