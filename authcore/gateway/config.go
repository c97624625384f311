package gateway

import (
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/dpop"
)

// Defaults used when the Config field is zero.
const (
	DefaultRealm             = "latchkey"
	DefaultMaxBodyBytes      = 10 << 20
	DefaultDPoPReplayEntries = 100_000
)

// Config configures a Gateway. Issuer, Keys and Revocations are required;
// every other field has a default.
type Config struct {
	// Issuer is the exact iss every token must carry (RFC 9068 §4, RFC
	// 8725 §3.8): no trailing-slash or case tolerance.
	Issuer string
	// Audience is the default aud a token must contain for routes that
	// name none (RFC 9068 §4, RFC 8725 §3.9).
	Audience string
	// Realm names the protection space in challenges of routes without a
	// name (RFC 6750 §3); default "latchkey".
	Realm string
	// Keys supplies the issuer's verification keys: NewFuncKeySource when
	// embedded, NewRemoteKeys when standalone.
	Keys KeySource
	// Revocations answers for revoked jtis: the store when embedded, a
	// *FeedClient when standalone, NoRevocations{} to opt out.
	Revocations Revocations
	// Introspector, if set, handles opaque tokens and routes marked
	// Introspect (RFC 7662).
	Introspector *Introspector
	// Routes is the initial route table (may be empty; see SetRoutes).
	Routes []Route

	// Leeway is the allowed clock skew on exp, nbf, iat and DPoP iat
	// (default 10 s).
	Leeway time.Duration
	// RequiredClaims must be present in every JWT (default
	// DefaultRequiredClaims, RFC 9068 §2.2); iss, aud and exp are always
	// required.
	RequiredClaims []string
	// MaxTokenBytes caps tokens and DPoP proofs (default 8 KiB).
	MaxTokenBytes int
	// MaxBodyBytes caps request bodies for routes that set no limit
	// (default 10 MiB).
	MaxBodyBytes int64
	// DPoPMaxAge is how old a DPoP proof may be (default 60 s).
	DPoPMaxAge time.Duration
	// DPoPReplayEntries bounds the proof-jti replay cache (default
	// 100 000); when it is full of live entries proofs are refused.
	DPoPReplayEntries int
	// DPoPReplay, when set, is the proof-jti cache instead of that
	// in-memory one: the embedded gateway passes the store's, so a proof
	// used at one node is refused at every node (RFC 9449 §11.1).
	DPoPReplay dpop.Replay
	// PublicURL is scheme://host[:port] as clients address the gateway,
	// for DPoP htu checks behind a TLS-terminating proxy; empty means the
	// connection's scheme and the Host header.
	PublicURL string

	// Transport carries proxied requests; nil means a shared transport
	// with bounded dial, TLS-handshake and response-header timeouts.
	Transport http.RoundTripper
	// Audit receives a GatewayDenied event per denial and a RateLimitHit
	// per rate-limited request; nil discards them.
	Audit audit.Recorder
	// Metrics receives per-route measurements; nil discards them.
	Metrics Metrics
	// Logger receives internal errors (upstream failures); the zero value
	// discards them.
	Logger zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Gateway is the resource server: an http.Handler that verifies,
// enforces, limits and proxies. It is safe for concurrent use; SetRoutes
// may be called while it serves.
type Gateway struct {
	cfg       Config
	verifier  *verifier
	dpop      *dpop.Enforcer
	transport http.RoundTripper
	buffers   *bufferPool
	metrics   Metrics
	audit     audit.Recorder
	log       zerolog.Logger
	now       func() time.Time

	table    atomic.Pointer[table]
	stats    statsTable
	reconfig sync.Mutex // serialises SetRoutes
}

// New checks cfg, fills its defaults and compiles its routes.
func New(cfg Config) (*Gateway, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("gateway: Config.Issuer is required (the exact iss of accepted tokens)")
	case cfg.Keys == nil:
		return nil, errors.New("gateway: Config.Keys is required (NewFuncKeySource or NewRemoteKeys)")
	case cfg.Revocations == nil:
		return nil, errors.New("gateway: Config.Revocations is required (the store, a FeedClient, or NoRevocations{})")
	}
	if cfg.Realm == "" {
		cfg.Realm = DefaultRealm
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.RequiredClaims == nil {
		cfg.RequiredClaims = DefaultRequiredClaims
	}
	required := []string{"iss", "aud", "exp"}
	for _, c := range cfg.RequiredClaims {
		if !containsString(required, c) {
			required = append(required, c)
		}
	}
	if cfg.MaxTokenBytes <= 0 {
		cfg.MaxTokenBytes = DefaultMaxTokenBytes
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.DPoPMaxAge <= 0 {
		cfg.DPoPMaxAge = DefaultDPoPMaxAge
	}
	if cfg.DPoPReplayEntries <= 0 {
		cfg.DPoPReplayEntries = DefaultDPoPReplayEntries
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	g := &Gateway{cfg: cfg, transport: cfg.Transport, buffers: &bufferPool{}, metrics: cfg.Metrics, audit: cfg.Audit,
		log: cfg.Logger, now: cfg.Now}
	if g.transport == nil {
		g.transport = newTransport()
	}
	g.transport = tracedTransport{g.transport} // trace.go
	if g.metrics == nil {
		g.metrics = noMetrics{}
	}
	if g.audit == nil {
		g.audit = audit.Discard
	}
	g.verifier = &verifier{issuer: cfg.Issuer, maxBytes: cfg.MaxTokenBytes, keys: cfg.Keys, leeway: cfg.Leeway, required: required, now: cfg.Now,
		cache: newVerifiedCache()}
	g.dpop = &dpop.Enforcer{MaxAge: cfg.DPoPMaxAge, Leeway: cfg.Leeway, MaxBytes: cfg.MaxTokenBytes,
		Now: cfg.Now, Replay: cfg.DPoPReplay}
	if g.dpop.Replay == nil {
		g.dpop.Replay = dpop.NewReplayCache(cfg.DPoPReplayEntries)
	}
	if err := g.SetRoutes(cfg.Routes); err != nil {
		return nil, err
	}
	return g, nil
}
