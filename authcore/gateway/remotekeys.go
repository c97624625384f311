package gateway

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore/jwkset"
)

// Defaults of RemoteKeys.
const (
	DefaultMinRefetch = jwkset.DefaultMinRefetch
	DefaultJWKSMaxAge = jwkset.DefaultMaxAge
	DefaultJWKSStale  = jwkset.DefaultMaxStale
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
	// MaxStale is how long past its expiry the last good JWKS keeps
	// serving while the authorization server cannot be reached (default
	// 1 h); after that every token is refused with 503 (fail closed).
	MaxStale time.Duration
	Now      func() time.Time
	Logger   zerolog.Logger
}

// RemoteKeys is the standalone KeySource: it discovers the issuer's
// jwks_uri and caches the JWKS per its Cache-Control max-age and ETag
// (jwkset.Remote). An unknown kid triggers at most one refetch per
// MinRefetch. When a refetch fails, the last good set keeps serving for
// MaxStale.
type RemoteKeys struct {
	remote *jwkset.Remote

	mu      sync.Mutex // guards jwksURL; jwkset calls url one at a time anyway
	jwksURL string
}

// NewRemoteKeys returns a RemoteKeys; nothing is fetched until first use.
func NewRemoteKeys(cfg RemoteKeysConfig) *RemoteKeys {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second, Transport: newTransport()}
	}
	k := &RemoteKeys{jwksURL: cfg.JWKSURL}
	url := func(ctx context.Context) (string, error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.jwksURL == "" {
			md, err := Discover(ctx, cfg.Client, cfg.Issuer)
			if err != nil {
				return "", err
			}
			k.jwksURL = md.JWKSURI
		}
		return k.jwksURL, nil
	}
	k.remote = jwkset.NewRemote(jwkset.Config{URL: url, Client: cfg.Client, MaxBytes: maxDocBytes,
		MinRefetch: cfg.MinRefetch, DefaultMaxAge: cfg.DefaultMaxAge, MaxStale: cfg.MaxStale, Now: cfg.Now,
		OnStale: func(err error) {
			cfg.Logger.Warn().Err(err).Msg("gateway: JWKS refresh failed; using cached keys")
		}})
	return k
}

// KeySet implements KeySource.
func (k *RemoteKeys) KeySet(ctx context.Context, refresh bool) (*jwkset.Set, error) {
	return k.remote.Get(ctx, refresh)
}
