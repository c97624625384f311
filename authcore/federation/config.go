package federation

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Defaults used when the Config field is zero.
const (
	// DefaultLeeway is the clock skew allowed on exp, iat and nbf.
	DefaultLeeway = 30 * time.Second
	// DefaultMinRefetch is the shortest time between two JWKS fetches of
	// one provider, whatever unknown kids ask (RFC 8725 §3.10).
	DefaultMinRefetch = 10 * time.Second
	// DefaultJWKSMaxAge is how long a JWKS without Cache-Control max-age
	// is used; DefaultMaxStale how long past its expiry a cached set still
	// serves while the provider cannot be reached.
	DefaultJWKSMaxAge = 5 * time.Minute
	DefaultMaxStale   = time.Hour
	// DefaultFetchTimeout bounds each outbound request.
	DefaultFetchTimeout = 10 * time.Second
	// MaxDocumentBytes caps discovery, JWKS and token responses.
	MaxDocumentBytes = 1 << 20
	// MaxTokenBytes caps an external ID token before it is parsed.
	MaxTokenBytes = 16 << 10
)

// SessionStarter signs a federated user in on the browser (login.Manager
// satisfies it).
type SessionStarter interface {
	// StartFederatedSession creates a new browser session for u,
	// recording the provider's acr and amr (OIDC Core §2).
	StartFederatedSession(w http.ResponseWriter, r *http.Request, u authcore.User, providerID, acr string, amr []string) error
	// Message renders a plain page (an error when status >= 400).
	Message(w http.ResponseWriter, status int, title, text string)
}

// Config configures a Service. Store and Issuer are required.
type Config struct {
	// Issuer is Latchkey's own issuer; brokered login's redirect URI at
	// every provider is Issuer + "/federation/callback".
	Issuer string
	// Store keeps providers, links, users and replay records.
	Store authcore.Storage
	// Sessions signs brokered users in; nil disables brokered login.
	Sessions SessionStarter
	// ValidReturnTo reports whether a return address is a safe place to
	// continue after brokered login (login.ValidReturnTo); nil refuses
	// every return address but "".
	ValidReturnTo func(string) bool
	// SecureCookies gives the state cookie Secure and the __Host- prefix.
	SecureCookies bool
	// HTTPClient makes the outbound requests; nil means a client with
	// DefaultFetchTimeout that follows no redirects.
	HTTPClient *http.Client
	Audit      audit.Recorder
	Logger     zerolog.Logger
	Now        func() time.Time
	Rand       io.Reader

	Leeway, MinRefetch, JWKSMaxAge, MaxStale time.Duration
}

// Service is the federation service: provider records, their keys, ID
// token validation and brokered login. It is safe for concurrent use.
type Service struct {
	cfg   Config
	store authcore.Storage
	audit audit.Recorder
	log   zerolog.Logger
	now   func() time.Time
	http  *http.Client

	mu      sync.Mutex
	remotes map[string]*remote // by issuer
	randMu  sync.Mutex
}

// New checks cfg, fills its defaults and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Issuer == "" {
		return nil, errors.New("federation: Config.Store and Config.Issuer are required")
	}
	if cfg.Audit == nil {
		cfg.Audit = audit.Discard
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultFetchTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Leeway, DefaultLeeway)
	def(&cfg.MinRefetch, DefaultMinRefetch)
	def(&cfg.JWKSMaxAge, DefaultJWKSMaxAge)
	def(&cfg.MaxStale, DefaultMaxStale)
	return &Service{cfg: cfg, store: cfg.Store, audit: cfg.Audit, log: cfg.Logger, now: cfg.Now,
		http: cfg.HTTPClient, remotes: make(map[string]*remote)}, nil
}

// record emits an audit event stamped with the clock and the request.
func (s *Service) record(ctx context.Context, e audit.Event) {
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	if e.Outcome == "" {
		e.Outcome = audit.Success
	}
	audit.Fill(ctx, &e)
	s.audit.Record(ctx, e)
}

// random returns n random bytes from the configured source.
func (s *Service) random(n int) ([]byte, error) {
	b := make([]byte, n)
	s.randMu.Lock()
	defer s.randMu.Unlock()
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return nil, errors.New("federation: no randomness")
	}
	return b, nil
}
