package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/ratelimit"
)

// Default lifetimes and limits, used when the Config field is zero.
const (
	DefaultCodeTTL         = 60 * time.Second
	DefaultAccessTokenTTL  = 10 * time.Minute
	DefaultRefreshTokenTTL = 30 * 24 * time.Hour
	DefaultMaxBodyBytes    = 64 << 10
	DefaultRate            = rate.Limit(2000)
	DefaultBurst           = 4000
)

// Config configures a Server. Issuer, Store, Signer and Interaction are
// required; every other field has a default.
type Config struct {
	// Issuer is the issuer identifier (RFC 8414 §2): an https URL (or
	// http on loopback for development) without query or fragment. It is
	// the iss of every token and authorization response.
	Issuer string
	// Store is the storage backend.
	Store authcore.Storage
	// Signer signs and verifies access tokens (keys.Manager).
	Signer Signer
	// Interaction signs users in and asks for consent (login.Manager).
	Interaction Interaction
	// OpenID, when set, makes the server an OpenID Connect provider:
	// ID tokens, the claims, prompt, max_age, id_token_hint and
	// acr_values request parameters (oidc.Provider).
	OpenID OpenID
	// IDTokenAlgorithms, when set, lists the algorithms clients may
	// register as id_token_signed_response_alg (keys.Manager.Algorithms).
	IDTokenAlgorithms func() []string
	// Audit receives security events; nil discards them.
	Audit audit.Recorder
	// Logger receives internal errors; the zero value discards them.
	Logger zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of codes, tokens, ids and secrets; nil means
	// crypto/rand. It is used under a lock.
	Rand io.Reader

	// CodeTTL is the authorization-code lifetime (default 60 s).
	CodeTTL time.Duration
	// AccessTokenTTL is the default access-token lifetime (10 min).
	// It and the rate limits below are the initial Policy: SetPolicy
	// changes them while the server runs.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the default refresh-token family lifetime
	// (30 days).
	RefreshTokenTTL time.Duration
	// DefaultAudience is the aud of tokens for clients that register no
	// audience; empty means the issuer.
	DefaultAudience string

	// ClientRate and ClientBurst limit /token requests per client_id;
	// IPRate and IPBurst per remote IP. Zero selects the defaults
	// (2000/s, burst 4000: a ceiling against floods, not a brute-force
	// guard); rate.Inf disables the limit.
	ClientRate  rate.Limit
	ClientBurst int
	IPRate      rate.Limit
	IPBurst     int
	// AuthFailureRate and AuthFailureBurst throttle failed client
	// authentications per claimed client_id and per IP (brute force,
	// OAuth 2.1 §2.4.1); only failures spend them. Zero selects 1/s with a
	// burst of 20; rate.Inf disables the guard.
	AuthFailureRate  rate.Limit
	AuthFailureBurst int
	// CounterTTL, when positive, lets a node answer the failure guard's
	// check from the counts it read or wrote within that long, instead of
	// reading the store on every client authentication
	// (ratelimit_auth_cache.go). For stores several nodes share; zero
	// reads the store every time.
	CounterTTL time.Duration
	// MaxBodyBytes caps request bodies (default 64 KiB); larger ones get
	// 413.
	MaxBodyBytes int64

	// ClientAssertion configures private_key_jwt client authentication
	// (RFC 7523 §3); the zero value is the secure default.
	ClientAssertion ClientAssertionConfig

	// DPoP configures DPoP at the token endpoint (RFC 9449, dpop.go); the
	// zero value turns it on without server nonces.
	DPoP DPoPConfig
	// MTLS configures mTLS client authentication and certificate-bound
	// tokens (RFC 8705, mtls.go); off unless the listener asks for
	// client certificates.
	MTLS MTLSConfig
	// Registration configures dynamic client registration and
	// management (RFC 7591, RFC 7592; register.go); off by default.
	Registration RegistrationConfig
	// CIBA configures backchannel authentication (CIBA Core 1.0,
	// ciba.go); it runs when OpenID is set, unless disabled.
	CIBA CIBAConfig

	// RequirePAR makes every client use pushed authorization requests
	// (RFC 9126 §5, require_pushed_authorization_requests); per client,
	// authcore.Client.RequirePushedAuthorizationRequests does the same.
	RequirePAR bool
	// PARLifetime is how long a request_uri lives (default 300 s, kept
	// within 60 s .. 599 s; par.go).
	PARLifetime time.Duration
	// Device configures the device authorization grant (RFC 8628,
	// device.go); the zero value turns it on with the RFC's defaults.
	Device DeviceConfig
	// SectorFetch configures the fetch of sector_identifier_uri at
	// registration (registry_pairwise.go).
	SectorFetch SectorFetchConfig
}

// Server is the OAuth 2.1 authorization server. It is safe for concurrent
// use.
type Server struct {
	cfg    Config
	store  authcore.Storage
	signer Signer
	ui     Interaction
	audit  audit.Recorder
	log    zerolog.Logger
	now    func() time.Time
	randMu sync.Mutex
	rand   io.Reader
	pepper []byte
	// secretMACs recycles HMAC-SHA256 states keyed with pepper
	// (secret.go), reset before they go back.
	secretMACs sync.Pool
	grants     map[string]grantFunc
	clientRL   *ratelimit.Limiter
	ipRL       *ratelimit.Limiter
	authGuard  *authGuard
	authz      *Authorizer
	regRL      *ratelimit.Limiter // registrations per IP, register.go
	ciba       *cibaNotifier      // CIBA pings and channel calls, ciba_notify.go
	// policy holds what SetPolicy may change while the server runs; the
	// token endpoint reads it without a lock.
	policy atomic.Pointer[Policy]
	// verified caches introspected access tokens (introspect_cache.go);
	// ready at its zero value.
	verified verifiedAccess
	// introspected coalesces token.introspected events
	// (introspect_audit.go); ready at its zero value.
	introspected introspectAudit
	// schemas caches compiled authorization_details schemas (rar.go).
	schemas schemaCache
	// sector fetches sector_identifier_uri (registry_pairwise.go);
	// subjects computes pairwise sub values (subject.go).
	sector   sectorClients
	subjects authcore.Subjects
}

// New checks cfg, fills defaults, loads (or creates, on first start) the
// client-secret pepper from the store, and returns a Server.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if err := checkIssuer(cfg.Issuer); err != nil {
		return nil, err
	}
	if cfg.Store == nil || cfg.Signer == nil || cfg.Interaction == nil {
		return nil, errors.New("oauth: Store, Signer and Interaction are required")
	}
	fillDefaults(&cfg)
	s := &Server{
		cfg: cfg, store: cfg.Store, signer: cfg.Signer, ui: cfg.Interaction,
		audit: cfg.Audit, log: cfg.Logger, now: cfg.Now, rand: cfg.Rand,
		clientRL:  ratelimit.New(cfg.ClientRate, cfg.ClientBurst),
		ipRL:      ratelimit.New(cfg.IPRate, cfg.IPBurst),
		authGuard: newAuthGuard(guardCounters(cfg), cfg.AuthFailureRate, cfg.AuthFailureBurst),
		ciba:      newCIBANotifier(cfg.CIBA), // ciba_notify.go
	}
	p := policyOf(cfg)
	s.policy.Store(&p)
	s.grants = map[string]grantFunc{
		authcore.GrantAuthorizationCode: s.exchangeCode,
		authcore.GrantClientCredentials: s.clientCredentials,
		authcore.GrantRefreshToken:      s.refresh,
		authcore.GrantTokenExchange:     s.tokenExchange,
		authcore.GrantDeviceCode:        s.deviceToken, // token_device.go
		authcore.GrantCIBA:              s.cibaToken,   // token_ciba.go
	}
	s.authz = &Authorizer{s: s}
	pepper, err := s.loadPepper(ctx)
	if err != nil {
		return nil, err
	}
	s.pepper = pepper
	s.sector = newSectorClients(cfg.SectorFetch)
	salt, err := s.randomBytes(32)
	if err != nil {
		return nil, err
	}
	if s.subjects, err = authcore.LoadSubjects(ctx, cfg.Store, bytes.NewReader(salt)); err != nil {
		return nil, err
	}
	return s, nil
}

func fillDefaults(cfg *Config) {
	if cfg.Audit == nil {
		cfg.Audit = audit.Discard
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = DefaultCodeTTL
	}
	if cfg.DefaultAudience == "" {
		cfg.DefaultAudience = cfg.Issuer
	}
	p := policyOf(*cfg)
	fillPolicyDefaults(&p)
	cfg.AccessTokenTTL, cfg.RefreshTokenTTL = p.AccessTokenTTL, p.RefreshTokenTTL
	cfg.ClientRate, cfg.ClientBurst, cfg.IPRate, cfg.IPBurst = p.ClientRate, p.ClientBurst, p.IPRate, p.IPBurst
	cfg.AuthFailureRate, cfg.AuthFailureBurst = p.AuthFailureRate, p.AuthFailureBurst
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
}

// checkIssuer enforces RFC 8414 §2: https (http only on a loopback host,
// for development: 127.0.0.1, ::1, localhost or a name under .localhost,
// which RFC 6761 §6.3 reserves for loopback and browsers resolve so
// themselves), no query, no fragment, no trailing slash.
func checkIssuer(iss string) error {
	bad := errors.New("oauth: Issuer must be an https URL without query, fragment or trailing slash")
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		strings.HasSuffix(iss, "/") || strings.ContainsAny(iss, "?#") {
		return bad
	}
	switch h := strings.ToLower(u.Hostname()); {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (h == "127.0.0.1" || h == "::1" || h == "localhost" || strings.HasSuffix(h, ".localhost")):
		return nil
	}
	return bad
}

// Issuer returns the configured issuer identifier.
func (s *Server) Issuer() string { return s.cfg.Issuer }

// Authorizer returns the authorization-endpoint handler, whose
// DenyConsent the login package calls when the user clicks Deny.
func (s *Server) Authorizer() *Authorizer { return s.authz }

// Mount registers the endpoints on mux with Go 1.22 method patterns. Other
// methods on the same paths get 405 with an Allow header.
func (s *Server) Mount(mux *http.ServeMux) {
	mux.Handle("GET /authorize", s.authz)
	mux.Handle("POST /authorize", s.authz)
	mux.Handle("/authorize", methodNotAllowed("GET, HEAD, POST"))
	mux.HandleFunc("POST /token", s.handleToken)
	mux.Handle("/token", methodNotAllowed("POST"))
	mux.HandleFunc("POST /revoke", s.handleRevoke)
	mux.Handle("/revoke", methodNotAllowed("POST"))
	mux.HandleFunc("POST /introspect", s.handleIntrospect)
	mux.Handle("/introspect", methodNotAllowed("POST"))
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", s.handleMetadata)
	mux.Handle("/.well-known/oauth-authorization-server", methodNotAllowed("GET, HEAD"))
	s.mountRegistration(mux) // RFC 7591, RFC 7592: register.go
	s.mountPARDevice(mux)    // RFC 9126, RFC 8628: par.go, device.go
	s.mountCIBA(mux)         // CIBA Core 1.0: ciba.go
}

// record emits an audit event stamped with the clock and the request.
func (s *Server) record(ctx context.Context, e audit.Event) {
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	if e.Outcome == "" {
		e.Outcome = audit.Success
	}
	audit.Fill(ctx, &e)
	s.audit.Record(ctx, e)
}
