package oidc

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/dpop"
	"github.com/latchkey/latchkey/authcore/egress"
)

// Defaults used when the Config field is zero.
const (
	DefaultIDTokenTTL         = time.Hour
	DefaultLogoutTokenTTL     = 2 * time.Minute
	DefaultBackchannelTries   = 4
	DefaultBackchannelBackoff = 2 * time.Second
	DefaultBackchannelTimeout = 5 * time.Second
	// DefaultMaxDeliveries bounds back-channel deliveries in flight;
	// further ones are dropped (and audited) rather than queued.
	DefaultMaxDeliveries = 64
)

// Signer signs and verifies the server's JWTs; keys.Manager satisfies
// it (the same method set as oauth.Signer).
type Signer interface {
	// Sign signs claims with the active key of alg ("" for the
	// default), setting the kid and typ headers.
	Sign(alg, typ string, claims jwt.Claims) (string, error)
	// Verify checks signature, alg, typ, exp/nbf/iat and fills claims.
	Verify(token, typ string, claims jwt.Claims) (kid string, err error)
}

// Sessions is the browser-session side of login.Manager that the
// provider needs.
type Sessions interface {
	// Session returns the user signed in on this browser, if any.
	Session(r *http.Request) (authcore.Session, bool)
	// Logout ends this browser's session and deletes its cookie.
	Logout(w http.ResponseWriter, r *http.Request) (authcore.Session, bool, error)
	// LogoutPrompt shows the logout confirmation page.
	LogoutPrompt(w http.ResponseWriter, r *http.Request, action string, fields url.Values, clientName, returnURI string)
	// VerifyForm parses a POSTed form and checks its CSRF token.
	VerifyForm(w http.ResponseWriter, r *http.Request) (url.Values, bool)
	// Message renders a plain page.
	Message(w http.ResponseWriter, status int, title, text string)
	// SignedOut renders the signed-out page with a link to returnURI
	// instead of a redirect.
	SignedOut(w http.ResponseWriter, clientName, returnURI string)
	// EndSession ends the session stored under id (Session.ID).
	EndSession(ctx context.Context, id string) error
}

// Config configures a Provider. Issuer, Store, Signer and Sessions are
// required.
type Config struct {
	// Issuer is the issuer identifier, equal to the OAuth server's.
	Issuer string
	// Store is the storage backend.
	Store authcore.Storage
	// Signer signs ID and logout tokens and verifies tokens presented
	// back (keys.Manager).
	Signer Signer
	// Sessions is login.Manager.
	Sessions Sessions
	// Metadata returns the OAuth metadata (RFC 8414) the discovery
	// document extends (oauth.Server.Metadata); nil starts from nothing.
	Metadata func(ctx context.Context) map[string]any
	// Algorithms lists the ID token signing algorithms available
	// (keys.Manager.Algorithms); nil means ES256 only.
	Algorithms func() []string
	// BackchannelAllowPrivate lets logout tokens be posted to loopback,
	// private and link-local addresses (an administrator's choice, for
	// clients on the same network); off, such targets are refused at
	// dial time however their name resolves (backchannel.go, egress).
	// SetBackchannelAllowPrivate changes it at run time.
	BackchannelAllowPrivate bool
	// Audit receives security events; nil discards them.
	Audit audit.Recorder
	// Logger receives internal errors; the zero value discards them.
	Logger zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of jti values; nil means crypto/rand.
	Rand io.Reader

	// IDTokenTTL is the ID token lifetime (1 h).
	IDTokenTTL time.Duration
	// LogoutTokenTTL is the logout token lifetime (2 min).
	LogoutTokenTTL time.Duration
	// BackchannelTries bounds delivery attempts per logout token (4);
	// BackchannelBackoff is the wait before the second, doubling after
	// (2 s).
	BackchannelTries   int
	BackchannelBackoff time.Duration
	// MaxDeliveries bounds deliveries in flight (64).
	MaxDeliveries int
}

// Provider is the OpenID Connect provider. It is safe for concurrent use.
type Provider struct {
	cfg      Config
	store    authcore.Storage
	signer   Signer
	sessions Sessions
	audit    audit.Recorder
	log      zerolog.Logger
	now      func() time.Time
	randMu   sync.Mutex
	rand     io.Reader
	http     *http.Client // for dynamically registered clients: guarded
	egress   egress.Guard
	// admins' clients: their URIs were typed by an administrator, so they
	// may be on loopback or the LAN (a developer's app on localhost).
	httpTrusted *http.Client
	trusted     egress.Guard
	binding     *dpop.Enforcer
	inflight    chan struct{}
	wg          sync.WaitGroup
	closing     chan struct{}
	once        sync.Once
	subjects    authcore.Subjects // pairwise sub values, subject.go
}

// New checks cfg, fills its defaults and returns a Provider.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" || cfg.Store == nil || cfg.Signer == nil || cfg.Sessions == nil {
		return nil, errors.New("oidc: Issuer, Store, Signer and Sessions are required")
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
	if cfg.Algorithms == nil {
		cfg.Algorithms = func() []string { return []string{"ES256"} }
	}
	setDefault(&cfg.IDTokenTTL, DefaultIDTokenTTL)
	setDefault(&cfg.LogoutTokenTTL, DefaultLogoutTokenTTL)
	setDefault(&cfg.BackchannelTries, DefaultBackchannelTries)
	setDefault(&cfg.BackchannelBackoff, DefaultBackchannelBackoff)
	setDefault(&cfg.MaxDeliveries, DefaultMaxDeliveries)
	p := &Provider{
		cfg: cfg, store: cfg.Store, signer: cfg.Signer, sessions: cfg.Sessions,
		audit: cfg.Audit, log: cfg.Logger, now: cfg.Now, rand: cfg.Rand,
		inflight: make(chan struct{}, cfg.MaxDeliveries), closing: make(chan struct{}),
	}
	p.binding = &dpop.Enforcer{Replay: proofReplay{cfg.Store}, Now: cfg.Now} // userinfo_binding.go
	p.egress.SetAllowPrivate(cfg.BackchannelAllowPrivate)
	p.http = p.egress.NewClient(DefaultBackchannelTimeout) // backchannel.go
	p.trusted.SetAllowPrivate(true)
	p.httpTrusted = p.trusted.NewClient(DefaultBackchannelTimeout)
	// The installation's pairwise salt, the same one oauth.Server reads
	// (created once by whichever starts first).
	subjects, err := authcore.LoadSubjects(context.Background(), cfg.Store, cfg.Rand)
	if err != nil {
		return nil, err
	}
	p.subjects = subjects
	return p, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Mount registers /userinfo and /end_session on mux. The discovery
// document is served by authcore/server through ServeDiscovery.
func (p *Provider) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /userinfo", p.handleUserinfo)
	mux.HandleFunc("POST /userinfo", p.handleUserinfo)
	mux.Handle("/userinfo", methodNotAllowed("GET, HEAD, POST"))
	mux.HandleFunc("GET /end_session", p.handleEndSession)
	mux.HandleFunc("POST /end_session", p.handleEndSession)
	mux.Handle("/end_session", methodNotAllowed("GET, HEAD, POST"))
}

// Close stops retrying back-channel deliveries and waits for those in
// flight to finish their current attempt.
func (p *Provider) Close() {
	p.once.Do(func() { close(p.closing) })
	p.wg.Wait()
}

// record emits an audit event stamped with the clock and the request.
func (p *Provider) record(ctx context.Context, e audit.Event) {
	if e.Time.IsZero() {
		e.Time = p.now()
	}
	if e.Outcome == "" {
		e.Outcome = audit.Success
	}
	audit.Fill(ctx, &e)
	p.audit.Record(ctx, e)
}

// randomID returns 16 random bytes, base64url.
func (p *Provider) randomID() (string, error) {
	b := make([]byte, 16)
	p.randMu.Lock()
	_, err := io.ReadFull(p.rand, b)
	p.randMu.Unlock()
	if err != nil {
		return "", errors.New("oidc: read random: " + err.Error())
	}
	return b64(b), nil
}
