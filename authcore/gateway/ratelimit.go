package gateway

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiterKeys bounds the per-key buckets of one limiter set; idle ones
// are swept first, and a set full of live buckets refuses new keys.
const maxLimiterKeys = 100_000

// limiterSet is one token bucket per key (client_id or IP).
type limiterSet struct {
	spec  string
	limit rate.Limit
	burst int

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiterSet returns nil for an empty spec (no limit). spec was
// validated.
func newLimiterSet(spec string, burst int) *limiterSet {
	if spec == "" {
		return nil
	}
	lim, n, err := ParseRate(spec)
	if err != nil {
		return nil
	}
	if burst > 0 {
		n = burst
	}
	return &limiterSet{spec: spec + "/" + strconv.Itoa(n), limit: lim, burst: n, buckets: make(map[string]*bucket)}
}

// verdict is the outcome of one take.
type verdict struct {
	ok         bool
	remaining  int
	reset      int // seconds until the bucket is full again
	retryAfter int // seconds until the next token, when !ok
}

// take spends one token from key's bucket at now.
func (s *limiterSet) take(key string, now time.Time) verdict {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[key]
	if b == nil {
		if len(s.buckets) >= maxLimiterKeys || now.Sub(s.lastSweep) > time.Minute {
			s.sweep(now)
		}
		if len(s.buckets) >= maxLimiterKeys {
			return verdict{retryAfter: 1}
		}
		b = &bucket{lim: rate.NewLimiter(s.limit, s.burst)}
		s.buckets[key] = b
	}
	b.seen = now
	ok := b.lim.AllowN(now, 1)
	tokens := b.lim.TokensAt(now)
	v := verdict{ok: ok, remaining: max(0, int(math.Floor(tokens)))}
	v.reset = int(math.Ceil((float64(s.burst) - tokens) / float64(s.limit)))
	if !ok {
		v.retryAfter = max(1, int(math.Ceil((1-tokens)/float64(s.limit))))
	}
	return v
}

// sweep drops buckets idle long enough to have refilled.
func (s *limiterSet) sweep(now time.Time) {
	s.lastSweep = now
	full := time.Duration(float64(s.burst)/float64(s.limit)*float64(time.Second)) + time.Second
	for k, b := range s.buckets {
		if now.Sub(b.seen) > full {
			delete(s.buckets, k)
		}
	}
}

// setHeaders writes the RateLimit-* fields
// (draft-ietf-httpapi-ratelimit-headers) and, on refusal, Retry-After
// (RFC 9110 §10.2.3).
func (s *limiterSet) setHeaders(h http.Header, v verdict) {
	h.Set("RateLimit-Limit", strconv.Itoa(s.burst))
	h.Set("RateLimit-Remaining", strconv.Itoa(v.remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(v.reset))
	if !v.ok {
		h.Set("Retry-After", strconv.Itoa(v.retryAfter))
	}
}
