package keys

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// The JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1) a key may have.
// HS* and none are never among them (RFC 8725 §3.1).
const (
	ES256 = "ES256"
	RS256 = "RS256"
	PS256 = "PS256"
	EdDSA = "EdDSA"
)

// methods maps each supported algorithm to its golang-jwt signer.
var methods = map[string]jwt.SigningMethod{
	ES256: jwt.SigningMethodES256,
	RS256: jwt.SigningMethodRS256,
	PS256: jwt.SigningMethodPS256,
	EdDSA: jwt.SigningMethodEdDSA,
}

// DefaultAlgorithms are the algorithms kept when Config.Algorithms is
// empty: ES256 signs by default, and an RS256 key is kept in the staged
// lifecycle because OpenID Connect Discovery 1.0 §3 requires RS256 among
// the ID token algorithms (a client asks for it with
// id_token_signed_response_alg).
var DefaultAlgorithms = []string{ES256, RS256}

// Defaults applied by New to zero Config fields.
const (
	DefaultRSABits          = 2048
	DefaultRotationPeriod   = 30 * 24 * time.Hour
	DefaultJWKSMaxAge       = time.Hour
	DefaultMaxTokenLifetime = 24 * time.Hour
	DefaultLeeway           = 30 * time.Second
)

// Config configures a Manager. Only Store is required.
type Config struct {
	// Store persists the keyset; every lifecycle change is one
	// SwapSigningKeys call from the version it read, so managers on
	// several nodes sharing the store never overwrite each other.
	Store authcore.Keyset
	// Audit receives key.created, key.rotated, key.revoked and
	// key.removed events (default audit.Discard).
	Audit audit.Recorder
	// Logger logs lifecycle changes and background errors.
	Logger zerolog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand is the entropy source for key generation (default
	// crypto/rand.Reader; recent Go versions may ignore it).
	Rand io.Reader
	// Issuer, when set, is the iss Verify requires (RFC 8725 §3.8).
	Issuer string
	// Algorithms are the algorithms kept active, the first being the
	// default (default DefaultAlgorithms); each of ES256, RS256, PS256,
	// EdDSA.
	Algorithms []string
	// RSABits is the size of new RSA keys: 2048 (default), 3072 or 4096.
	RSABits int
	// RotationPeriod is how long a key signs before Tick rotates it
	// (default 30 days). It must be at least JWKSMaxAge.
	RotationPeriod time.Duration
	// JWKSMaxAge is the JWKS Cache-Control max-age (default 1 h), and so
	// the least time a next key is published before it signs.
	JWKSMaxAge time.Duration
	// MaxTokenLifetime bounds exp - now of everything Sign signs (default
	// 24 h); a retired key stays published this long plus JWKSMaxAge.
	MaxTokenLifetime time.Duration
	// Leeway is the clock skew Verify allows on exp, nbf and iat
	// (default 30 s; RFC 7519 §4.1.4).
	Leeway time.Duration
}

// withDefaults fills zero fields and rejects impossible settings.
func (c Config) withDefaults() (Config, error) {
	if c.Store == nil {
		return c, errors.New("keys: Config.Store is required")
	}
	if c.Audit == nil {
		c.Audit = audit.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = DefaultAlgorithms
	}
	c.Algorithms = slices.Clone(c.Algorithms)
	for i, a := range c.Algorithms {
		if methods[a] == nil {
			return c, fmt.Errorf("keys: unsupported algorithm %q (ES256, RS256, PS256, EdDSA)", a)
		}
		if slices.Contains(c.Algorithms[:i], a) {
			return c, fmt.Errorf("keys: algorithm %s listed twice", a)
		}
	}
	switch c.RSABits {
	case 0:
		c.RSABits = DefaultRSABits
	case 2048, 3072, 4096:
	default:
		return c, fmt.Errorf("keys: RSABits %d: use 2048, 3072 or 4096", c.RSABits)
	}
	c.RotationPeriod = orDefault(c.RotationPeriod, DefaultRotationPeriod)
	c.JWKSMaxAge = orDefault(c.JWKSMaxAge, DefaultJWKSMaxAge)
	c.MaxTokenLifetime = orDefault(c.MaxTokenLifetime, DefaultMaxTokenLifetime)
	c.Leeway = orDefault(c.Leeway, DefaultLeeway)
	if c.RotationPeriod < c.JWKSMaxAge {
		return c, fmt.Errorf("keys: RotationPeriod %s is shorter than JWKSMaxAge %s", c.RotationPeriod, c.JWKSMaxAge)
	}
	return c, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// record sends one lifecycle event to the audit log.
func (c *Config) record(ctx context.Context, e audit.Event) {
	if e.Outcome == "" {
		e.Outcome = audit.Success
	}
	c.Audit.Record(ctx, e)
}
