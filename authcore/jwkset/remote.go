package jwkset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultMaxBytes   = 1 << 20
	DefaultMinRefetch = 10 * time.Second
	DefaultMaxAge     = 5 * time.Minute
	DefaultMaxStale   = time.Hour
	// MaxAge caps a Cache-Control max-age.
	MaxAge = 24 * time.Hour
)

// ErrRateLimited is returned when no usable set is cached and the last
// fetch was less than MinRefetch ago.
var ErrRateLimited = errors.New("jwkset: JWKS unavailable (refetch rate-limited)")

// Config configures a Remote. Every field but URL has a default.
type Config struct {
	// URL returns the JWKS location, for example from the issuer's
	// discovery document (which the caller may cache). It is called before
	// each fetch, one call at a time.
	URL func(ctx context.Context) (string, error)
	// Client makes the requests; nil means a client that follows no
	// redirects.
	Client *http.Client
	// Timeout bounds one fetch, whatever the Client's own timeout.
	Timeout time.Duration
	// MaxBytes caps the JWKS body; a larger one is refused (default 1 MiB).
	MaxBytes int64
	// MinRefetch is the shortest time between two fetches, whatever the
	// cache headers or unknown kids say (default 10 s).
	MinRefetch time.Duration
	// DefaultMaxAge is how long a JWKS without Cache-Control max-age is
	// used before it is fetched again (default 5 min).
	DefaultMaxAge time.Duration
	// MaxStale is how long past its expiry a cached set still serves
	// while refetches fail (default 1 h); after that, Get fails closed.
	MaxStale time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnStale, when set, is told each failed refetch that left a stale
	// set serving.
	OnStale func(error)
}

// Remote is the cached JWKS of one issuer. It is safe for concurrent
// use; fetches are serialised.
type Remote struct {
	cfg Config

	mu        sync.Mutex
	set       *Set
	etag      string
	expires   time.Time
	lastFetch time.Time
}

// NewRemote returns a Remote; nothing is fetched until the first Get.
func NewRemote(cfg Config) *Remote {
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Timeout, DefaultTimeout)
	def(&cfg.MinRefetch, DefaultMinRefetch)
	def(&cfg.DefaultMaxAge, DefaultMaxAge)
	def(&cfg.MaxStale, DefaultMaxStale)
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Remote{cfg: cfg}
}

// Get returns the issuer's key set. A fresh cached set is returned as it
// is unless refresh asks for a refetch (the token names a kid the set
// does not hold). A fetch happens at most once per MinRefetch; in
// between, and when a fetch fails, the cached set serves until MaxStale
// past its expiry. With no usable set Get fails: the caller must refuse
// the token (fail closed).
func (r *Remote) Get(ctx context.Context, refresh bool) (*Set, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.cfg.Now()
	if r.set != nil && now.Before(r.expires) && !refresh {
		return r.set, nil
	}
	usable := r.set != nil && now.Before(r.expires.Add(r.cfg.MaxStale))
	if !r.lastFetch.IsZero() && now.Sub(r.lastFetch) < r.cfg.MinRefetch {
		if usable {
			return r.set, nil
		}
		return nil, ErrRateLimited
	}
	r.lastFetch = now
	err := r.fetch(ctx, now)
	if err == nil {
		return r.set, nil
	}
	if usable {
		if r.cfg.OnStale != nil {
			r.cfg.OnStale(err)
		}
		return r.set, nil
	}
	return nil, err
}

func (r *Remote) fetch(ctx context.Context, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	if r.cfg.URL == nil {
		return errors.New("jwkset: no JWKS URL")
	}
	loc, err := r.cfg.URL(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return fmt.Errorf("jwkset: JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	if r.etag != "" && r.set != nil {
		req.Header.Set("If-None-Match", r.etag)
	}
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("jwkset: JWKS fetch: %w", err)
	}
	defer resp.Body.Close()
	maxAge := CacheMaxAge(resp.Header.Get("Cache-Control"), r.cfg.DefaultMaxAge)
	switch {
	case resp.StatusCode == http.StatusNotModified && r.set != nil && r.etag != "":
		r.expires = now.Add(maxAge)
		return nil
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("jwkset: JWKS fetch: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.cfg.MaxBytes+1))
	if err != nil {
		return fmt.Errorf("jwkset: JWKS read: %w", err)
	}
	if int64(len(body)) > r.cfg.MaxBytes {
		return fmt.Errorf("jwkset: JWKS larger than %d bytes", r.cfg.MaxBytes)
	}
	s, err := Parse(body)
	if err != nil {
		return err
	}
	r.set, r.etag, r.expires = s, resp.Header.Get("ETag"), now.Add(maxAge)
	return nil
}

// CacheMaxAge reads max-age from a Cache-Control value, clamped to
// [0, MaxAge]; no-store and no-cache mean 0 (refetch on next use, still
// bounded by MinRefetch). Without max-age it is def.
func CacheMaxAge(cc string, def time.Duration) time.Duration {
	for _, part := range strings.Split(cc, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		switch {
		case part == "no-store" || part == "no-cache":
			return 0
		case strings.HasPrefix(part, "max-age="):
			n, err := strconv.ParseInt(strings.TrimPrefix(part, "max-age="), 10, 64)
			if err != nil || n < 0 {
				return def
			}
			if n >= int64(MaxAge/time.Second) {
				return MaxAge
			}
			return time.Duration(n) * time.Second
		}
	}
	return def
}
