package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/federation"
	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/keys"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/oidc"
)

// Config configures a Server. Issuer and Store are required.
type Config struct {
	// Issuer is the issuer identifier: the public base URL, without a
	// trailing slash.
	Issuer string
	// Store is the open storage backend; the caller closes it.
	Store authcore.Storage
	// Audit receives security events; nil discards them.
	Audit audit.Recorder
	// Logger is the server's logger.
	Logger zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SecureCookies marks browser cookies Secure (set when serving TLS).
	SecureCookies bool
	// KeyAlgorithms are the signing algorithms kept active, the first
	// the default; nil means keys.DefaultAlgorithms (ES256, and RS256
	// for the ID tokens of clients that ask for it).
	KeyAlgorithms []string
	// KeyRotationPeriod is how long a signing key signs before it is
	// rotated (staged); zero means the keys package's 30 days.
	KeyRotationPeriod time.Duration
	// GatewayMetrics receives the embedded gateway's per-route counts;
	// nil discards them.
	GatewayMetrics gateway.Metrics
	// Policy holds the start flags' values of the policy an
	// administrator may change at run time (token lifetimes, the token
	// endpoint's ceilings, lockout, audit retention): zero fields keep
	// the built-in defaults, and values saved in the store win over both
	// (policy.go). When Audit is an *audit.Log, its retention follows the
	// policy.
	Policy Policy
	// DPoP, MTLS and Registration configure sender-constrained tokens
	// (RFC 9449, RFC 8705) and dynamic client registration (RFC 7591,
	// RFC 7592) at the OAuth server; see oauth.Config. MTLS.Enabled
	// belongs with a listener that requests client certificates.
	DPoP         oauth.DPoPConfig
	MTLS         oauth.MTLSConfig
	Registration oauth.RegistrationConfig
	// CIBA configures backchannel authentication (CIBA Core 1.0): the
	// authentication-channel webhook, lifetimes, pings; see
	// oauth.CIBAConfig.
	CIBA oauth.CIBAConfig
	// Device configures the device authorization grant (RFC 8628); see
	// oauth.DeviceConfig.
	Device oauth.DeviceConfig
	// BackchannelAllowPrivate lets back-channel logout tokens of
	// dynamically registered clients reach loopback, private and
	// link-local addresses (oidc.Config.BackchannelAllowPrivate); those
	// of clients an administrator registered always may.
	BackchannelAllowPrivate bool
	// SectorFetch configures the fetch of sector_identifier_uri at client
	// registration (pairwise subjects); see oauth.SectorFetchConfig.
	SectorFetch oauth.SectorFetchConfig
	// Housekeeping receives what the background work did (records
	// collected, clock jumps); see Run.
	Housekeeping Housekeeping
	// GCInterval is how often Run collects expired records; zero means
	// every 10 minutes.
	GCInterval time.Duration
	// Elapsed is the time since New on a clock that never jumps, which
	// Run compares with Now to notice clock jumps; nil means Go's
	// monotonic clock. Tests set it together with Now.
	Elapsed func() time.Duration
	// NodeID names this node among those sharing the store (logs,
	// metrics, heartbeats, the background lease); "" means the host
	// name (DefaultNodeID). NodeVersion and NodeAddress are recorded
	// with its heartbeats for the Dashboard.
	NodeID, NodeVersion, NodeAddress string
}

// IssuerSetting is the store setting holding the issuer the server last
// ran as, so the admin CLI signs and prints with the same issuer.
const IssuerSetting = "issuer"

// Server is the assembled authorization server: its services, for the
// console, and its handler, for the listener.
type Server struct {
	Issuer  string
	Store   authcore.Storage
	Audit   audit.Recorder
	Keys    *keys.Manager
	Login   *login.Manager
	OAuth   *oauth.Server
	OIDC    *oidc.Provider
	Gateway *gateway.Gateway
	// Feed carries revocations to standalone gateways.
	Feed *gateway.Broadcaster
	// Federation holds the trusted external OpenID providers.
	Federation *federation.Service

	log          zerolog.Logger
	now          func() time.Time
	handler      http.Handler
	policy       policyState // policy_apply.go
	clock        *clockWatch // housekeeping.go
	housekeeping Housekeeping
	gcInterval   time.Duration
	base         authcore.Storage // cfg.Store itself, for its optional interfaces (cluster.go)
	cluster      *cluster         // node.go: node id, lease, readiness
}

// New builds every service on cfg.Store. Signing keys exist when it
// returns: none is generated lazily on a request.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Issuer == "" || cfg.Store == nil {
		return nil, errors.New("server: Issuer and Store are required")
	}
	if cfg.Audit == nil {
		cfg.Audit = audit.Discard
	}
	rt, _ := cfg.Audit.(retainer)
	cfg.Audit = withDurableStateChanges(cfg.Audit, cfg.Logger)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	km, err := keys.New(ctx, keys.Config{
		Store:            cfg.Store,
		Audit:            cfg.Audit,
		Logger:           cfg.Logger,
		Now:              cfg.Now,
		Issuer:           cfg.Issuer,
		Algorithms:       cfg.KeyAlgorithms,
		RotationPeriod:   cfg.KeyRotationPeriod,
		MaxTokenLifetime: MaxAccessTokenLifetime,
	})
	if err != nil {
		return nil, err
	}
	if !slices.Contains(km.Algorithms(), keys.RS256) {
		cfg.Logger.Warn().Strs("algorithms", km.Algorithms()).
			Msg("server: no RS256 key: OpenID Connect Discovery requires RS256 among the ID token algorithms")
	}
	s := &Server{Issuer: cfg.Issuer, Audit: cfg.Audit, Keys: km, log: cfg.Logger, now: cfg.Now,
		clock: newClockWatch(cfg.Now, cfg.Elapsed), housekeeping: cfg.Housekeeping, gcInterval: cfg.GCInterval,
		cluster: newCluster(cfg)}
	if s.gcInterval <= 0 {
		s.gcInterval = defaultGCInterval
	}
	s.Feed = gateway.NewBroadcaster(func(ctx context.Context) ([]authcore.Revocation, error) {
		return cfg.Store.ListRevocations(ctx, cfg.Now())
	})
	s.Store, s.base = publishingStore{Storage: cfg.Store, feed: s.Feed, now: cfg.Now}, cfg.Store
	s.Login, err = login.New(login.Config{
		Store:         s.Store,
		Audit:         cfg.Audit,
		Logger:        cfg.Logger,
		Now:           cfg.Now,
		SecureCookies: cfg.SecureCookies,
		Passkeys:      newPasskeys(cfg), // passkeys.go
		OnDeny: func(w http.ResponseWriter, r *http.Request, returnTo string) {
			s.OAuth.Authorizer().DenyConsent(w, r, returnTo)
		},
		// RFC 9396: details are shown in the administrator's words and
		// approved per request.
		OnAllow: func(w http.ResponseWriter, r *http.Request, returnTo string) {
			s.OAuth.Authorizer().AllowConsent(w, r, returnTo)
		},
		ConsentDetails: func(r *http.Request, returnTo string) ([]string, error) {
			return s.OAuth.Authorizer().ConsentDetails(r, returnTo)
		},
		// OIDC back-channel logout for every session that ends.
		OnSessionEnded: func(ctx context.Context, sess authcore.Session, reason string) {
			s.OIDC.SessionEnded(ctx, sess, reason)
		},
		// CIBA ping mode: the client is told the user decided.
		OnBackchannelDecided: func(ctx context.Context, r authcore.BackchannelRequest) {
			s.OAuth.BackchannelDecided(ctx, r)
		},
	})
	if err != nil {
		return nil, err
	}
	// The OpenID Connect provider (authcore/oidc) on top of OAuth.
	if s.OIDC, err = newOIDC(cfg, s, km); err != nil {
		return nil, err
	}
	s.OAuth, err = oauth.New(ctx, oauth.Config{
		Issuer:            cfg.Issuer,
		Store:             s.Store,
		Signer:            km,
		Interaction:       s.Login,
		OpenID:            s.OIDC,
		IDTokenAlgorithms: km.Algorithms,
		Audit:             cfg.Audit,
		Logger:            cfg.Logger,
		Now:               cfg.Now,
		DPoP:              cfg.DPoP,
		MTLS:              cfg.MTLS,
		Registration:      cfg.Registration,
		CIBA:              cfg.CIBA,
		Device:            cfg.Device,
		CounterTTL:        sharedStaleness(cfg.Store), // cluster.go
		SectorFetch:       cfg.SectorFetch,
	})
	if err != nil {
		return nil, err
	}
	s.wireMFA(cfg)                                     // mfa.go
	if err := s.initPolicy(ctx, cfg, rt); err != nil { // policy_apply.go
		return nil, err
	}
	if err := s.newFederation(cfg); err != nil { // federation.go
		return nil, err
	}
	if err := cfg.Store.PutSetting(ctx, IssuerSetting, []byte(cfg.Issuer)); err != nil {
		return nil, err
	}
	if err := s.OAuth.EnsureDefaultScopes(ctx); err != nil {
		return nil, err
	}
	if err := s.newGateway(ctx, cfg.GatewayMetrics); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", s.Gateway) // the demo API and admin routes; 404 for the rest
	mux.Handle("GET /revocations/feed", gateway.FeedHandler(s.Feed, gateway.FeedConfig{
		Authorize: s.authorizeFeed, Logger: cfg.Logger, Now: cfg.Now,
		Log: revocationLog(cfg.Store), // gateways resume from a cursor (PostgreSQL)
	}))
	s.OAuth.Mount(mux)
	s.Login.Mount(mux)
	s.OIDC.Mount(mux)
	s.Federation.Mount(mux)
	mux.Handle("GET /jwks.json", km)
	mux.HandleFunc("GET /.well-known/openid-configuration", s.handleDiscovery)
	mux.HandleFunc("GET /healthz", s.handleHealthz) // health.go
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	s.handler = mux
	return s, nil
}

// Handler returns the protocol endpoints, without middleware; wrap it with
// Middleware (the caller composes it with the console first).
func (s *Server) Handler() http.Handler { return s.handler }
