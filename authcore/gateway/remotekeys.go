package gateway

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

	"github.com/rs/zerolog"
)

// Defaults of RemoteKeys.
const (
	DefaultMinRefetch = 10 * time.Second
	DefaultJWKSMaxAge = 5 * time.Minute
	maxJWKSAge        = 24 * time.Hour
	maxDocBytes       = 1 << 20
)

// RemoteKeysConfig configures the standalone KeySource.
type RemoteKeysConfig struct {
	// Issuer is the issuer identifier. Unless JWKSURL is set, its RFC 8414
	// metadata is fetched to find jwks_uri, and the metadata's issuer must
	// equal it exactly (RFC 8414 §3.3).
	Issuer string
	// JWKSURL skips discovery when set.
	JWKSURL string
	// Client makes the requests; nil means a client with 10 s timeout.
	Client *http.Client
	// MinRefetch is the shortest time between two fetches, whatever the
	// cache headers or unknown kids say (RFC 8725 §3.10 kid flooding);
	// default 10 s.
	MinRefetch time.Duration
	// DefaultMaxAge is how long a JWKS without Cache-Control max-age is
	// used before it is fetched again (default 5 min).
	DefaultMaxAge time.Duration
	Now           func() time.Time
	Logger        zerolog.Logger
}

// RemoteKeys is the standalone KeySource: it discovers the issuer's
// jwks_uri and caches the JWKS per its Cache-Control max-age and ETag. An
// unknown kid triggers at most one refetch per MinRefetch. When a refetch
// fails, the last good set keeps serving.
type RemoteKeys struct {
	cfg RemoteKeysConfig

	mu        sync.Mutex // serialises fetches
	jwksURL   string
	set       *KeySet
	etag      string
	expires   time.Time
	lastFetch time.Time
}

// NewRemoteKeys returns a RemoteKeys; nothing is fetched until first use.
func NewRemoteKeys(cfg RemoteKeysConfig) *RemoteKeys {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second, Transport: newTransport()}
	}
	if cfg.MinRefetch <= 0 {
		cfg.MinRefetch = DefaultMinRefetch
	}
	if cfg.DefaultMaxAge <= 0 {
		cfg.DefaultMaxAge = DefaultJWKSMaxAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &RemoteKeys{cfg: cfg, jwksURL: cfg.JWKSURL}
}

// KeySet implements KeySource.
func (k *RemoteKeys) KeySet(ctx context.Context, refresh bool) (*KeySet, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.cfg.Now()
	stale := k.set == nil || !now.Before(k.expires)
	if !stale && !refresh {
		return k.set, nil
	}
	if k.set != nil && now.Sub(k.lastFetch) < k.cfg.MinRefetch {
		return k.set, nil // rate limited: serve what we have
	}
	k.lastFetch = now
	if err := k.fetch(ctx, now); err != nil {
		if k.set != nil {
			k.cfg.Logger.Warn().Err(err).Msg("gateway: JWKS refresh failed; using cached keys")
			return k.set, nil
		}
		return nil, err
	}
	return k.set, nil
}

func (k *RemoteKeys) fetch(ctx context.Context, now time.Time) error {
	if k.jwksURL == "" {
		md, err := Discover(ctx, k.cfg.Client, k.cfg.Issuer)
		if err != nil {
			return err
		}
		k.jwksURL = md.JWKSURI
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.jwksURL, nil)
	if err != nil {
		return fmt.Errorf("gateway: JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	if k.etag != "" && k.set != nil {
		req.Header.Set("If-None-Match", k.etag)
	}
	resp, err := k.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("gateway: JWKS fetch: %w", err)
	}
	defer resp.Body.Close()
	maxAge := cacheMaxAge(resp.Header.Get("Cache-Control"), k.cfg.DefaultMaxAge)
	switch {
	case resp.StatusCode == http.StatusNotModified && k.set != nil:
		k.expires = now.Add(maxAge)
		return nil
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("gateway: JWKS fetch: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocBytes+1))
	if err != nil {
		return fmt.Errorf("gateway: JWKS read: %w", err)
	}
	if len(body) > maxDocBytes {
		return errors.New("gateway: JWKS larger than 1 MiB")
	}
	ks, err := ParseJWKS(body)
	if err != nil {
		return err
	}
	k.set, k.etag, k.expires = ks, resp.Header.Get("ETag"), now.Add(maxAge)
	return nil
}

// cacheMaxAge reads max-age from a Cache-Control value, clamped to
// [0, 24 h]; no-store and no-cache mean 0 (refetch on next use, still
// bounded by MinRefetch).
func cacheMaxAge(cc string, def time.Duration) time.Duration {
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
			if d := time.Duration(n) * time.Second; d < maxJWKSAge {
				return d
			}
			return maxJWKSAge
		}
	}
	return def
}
