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
// use; fetches are serialised, and a fetch in flight never holds up a
// caller that a cached set can serve.
type Remote struct {
	cfg Config

	mu        sync.Mutex
	set       *Set
	etag      string
	expires   time.Time
	lastFetch time.Time
	fetching  chan struct{} // closed when the fetch in flight ends; nil when none
	fetchErr  error         // the last fetch's error
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
// past its expiry. While one caller fetches, the others are not held up:
// a usable set serves them at once; only a caller with no usable set or
// asking for refresh waits for that fetch (bounded by its Timeout). With
// no usable set Get fails: the caller must refuse the token (fail closed).
func (r *Remote) Get(ctx context.Context, refresh bool) (*Set, error) {
	r.mu.Lock()
	now := r.cfg.Now()
	if r.set != nil && now.Before(r.expires) && !refresh {
		defer r.mu.Unlock()
		return r.set, nil
	}
	usable := r.set != nil && now.Before(r.expires.Add(r.cfg.MaxStale))
	if done := r.fetching; done != nil {
		// Another caller is fetching: a usable set serves at once; a
		// caller with none, or looking for a kid it lacks, waits for that
		// fetch (it cannot start another: fetches are serialised).
		if usable && !refresh {
			defer r.mu.Unlock()
			return r.set, nil
		}
		r.mu.Unlock()
		return r.await(ctx, done)
	}
	if !r.lastFetch.IsZero() && now.Sub(r.lastFetch) < r.cfg.MinRefetch {
		defer r.mu.Unlock()
		if usable {
			return r.set, nil
		}
		return nil, ErrRateLimited
	}
	r.lastFetch = now
	done := make(chan struct{})
	r.fetching = done
	etag := ""
	if r.set != nil {
		etag = r.etag
	}
	r.mu.Unlock()
	// The fetch is shared by every caller that waits for it, so it does
	// not end with the context of the one that started it (a gateway
	// request whose client hung up would otherwise fail the fetch for
	// all, and MinRefetch would then refuse the next one): it runs on
	// its own, bounded by Timeout, and this caller waits for it like the
	// others.
	go r.refetch(context.WithoutCancel(ctx), done, etag, now)
	return r.await(ctx, done)
}

// await waits for the fetch in flight (done) or for ctx, and returns what
// that fetch left: a usable set, else its error.
func (r *Remote) await(ctx context.Context, done <-chan struct{}) (*Set, error) {
	select {
	case <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set != nil && r.cfg.Now().Before(r.expires.Add(r.cfg.MaxStale)) {
		return r.set, nil
	}
	if r.fetchErr != nil {
		return nil, r.fetchErr
	}
	return nil, ErrRateLimited
}

// refetch runs one fetch (its end bounded by Timeout), stores its outcome
// and closes done.
func (r *Remote) refetch(ctx context.Context, done chan struct{}, etag string, now time.Time) {
	res, err := r.fetch(ctx, etag, now)
	r.mu.Lock()
	defer r.mu.Unlock()
	defer close(done)
	r.fetching, r.fetchErr = nil, err
	if err == nil {
		if res.set != nil {
			r.set, r.etag = res.set, res.etag
		}
		r.expires = res.expires
		return
	}
	if r.cfg.OnStale != nil && r.set != nil && now.Before(r.expires.Add(r.cfg.MaxStale)) {
		r.cfg.OnStale(err)
	}
}

// fetched is a fetch's result: a new set, or nil for 304 Not Modified.
type fetched struct {
	set     *Set
	etag    string
	expires time.Time
}

// fetch gets the JWKS, conditionally on etag when it is not empty. It
// touches no field of r, so it runs without the lock.
func (r *Remote) fetch(ctx context.Context, etag string, now time.Time) (fetched, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	if r.cfg.URL == nil {
		return fetched{}, errors.New("jwkset: no JWKS URL")
	}
	loc, err := r.cfg.URL(ctx)
	if err != nil {
		return fetched{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return fetched{}, fmt.Errorf("jwkset: JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return fetched{}, fmt.Errorf("jwkset: JWKS fetch: %w", err)
	}
	defer resp.Body.Close()
	maxAge := CacheMaxAge(resp.Header.Get("Cache-Control"), r.cfg.DefaultMaxAge)
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		return fetched{expires: now.Add(maxAge)}, nil
	case resp.StatusCode != http.StatusOK:
		return fetched{}, fmt.Errorf("jwkset: JWKS fetch: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.cfg.MaxBytes+1))
	if err != nil {
		return fetched{}, fmt.Errorf("jwkset: JWKS read: %w", err)
	}
	if int64(len(body)) > r.cfg.MaxBytes {
		return fetched{}, fmt.Errorf("jwkset: JWKS larger than %d bytes", r.cfg.MaxBytes)
	}
	s, err := Parse(body)
	if err != nil {
		return fetched{}, err
	}
	return fetched{set: s, etag: resp.Header.Get("ETag"), expires: now.Add(maxAge)}, nil
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
