package login

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/passkey"
	"github.com/latchkey/latchkey/authcore/ratelimit"
)

// Defaults used when the Config field is zero.
const (
	DefaultSessionTTL        = 8 * time.Hour
	DefaultLockoutThreshold  = 5
	DefaultLockoutWindow     = 15 * time.Minute
	DefaultLockoutDuration   = 15 * time.Minute
	DefaultMinPasswordLength = 8
	// DefaultLoginRate and DefaultLoginBurst allow each remote IP ten
	// login attempts at once and one more every six seconds.
	DefaultLoginRate  = rate.Limit(1.0 / 6)
	DefaultLoginBurst = 10
	// DefaultMaxConcurrentHashes bounds argon2id computations running at
	// once, and so the memory they take.
	DefaultMaxConcurrentHashes = 4
)

// Config configures a Manager. Store is required; every other field has a
// default.
type Config struct {
	// Store holds users, sessions, consents, clients and scopes.
	Store authcore.Storage
	// Audit receives security events; nil discards them.
	Audit audit.Recorder
	// Logger receives internal errors; the zero value discards them.
	Logger zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of salts, session ids, CSRF tokens and user
	// ids; nil means crypto/rand. It is read under a lock.
	Rand io.Reader

	// SessionTTL is the absolute lifetime of a browser session (8 h).
	SessionTTL time.Duration
	// LockoutThreshold failed logins within LockoutWindow lock the
	// account for LockoutDuration (5 in 15 min, for 15 min). They are the
	// initial Lockout policy; SetLockout changes it while the server runs.
	LockoutThreshold int
	LockoutWindow    time.Duration
	LockoutDuration  time.Duration
	// MinPasswordLength is the shortest password accepted, in characters
	// (8).
	MinPasswordLength int
	// PasswordParams are the argon2id parameters of new hashes
	// (DefaultParams). Hashes made with other parameters are upgraded on
	// the next successful login.
	PasswordParams Params
	// MaxConcurrentHashes bounds concurrent argon2id computations (4).
	MaxConcurrentHashes int

	// SecureCookies marks cookies Secure and gives them the __Host-
	// prefix; set it whenever the server is reached over TLS.
	SecureCookies bool
	// OnDeny answers the user's Deny on the consent page; the server wires
	// it to the OAuth package, which redirects to the client with
	// access_denied. Nil shows a plain "access denied" page.
	OnDeny func(w http.ResponseWriter, r *http.Request, returnTo string)
	// OnAllow answers the user's Allow on the consent page once the
	// consent is saved; the server wires it to the OAuth package, which
	// completes a request carrying authorization_details (approved for
	// that request only, RFC 9396) and otherwise redirects to returnTo.
	// Nil redirects to returnTo.
	OnAllow func(w http.ResponseWriter, r *http.Request, returnTo string)
	// ConsentDetails returns the consent page's sentences for returnTo's
	// authorization_details (RFC 9396 §2), in the administrator's words,
	// as plain text; none when it has none. An *authcore.InvalidError
	// shows the "cannot be shown" page (400), any other error 503.
	ConsentDetails func(r *http.Request, returnTo string) ([]string, error)
	// OnSessionEnded is called after a session ends, however it ends
	// (logout, replacement by a new login, an administrator, RP-initiated
	// logout); the server wires it to OIDC back-channel logout. It must
	// not block.
	OnSessionEnded func(ctx context.Context, s authcore.Session, reason string)
	// OnBackchannelDecided is called after the user approved or denied a
	// CIBA request on the account page; the server wires it to the OAuth
	// package's ping delivery. It must not block.
	OnBackchannelDecided func(ctx context.Context, r authcore.BackchannelRequest)

	// TOTPIssuer is the name authenticator apps show for codes of this
	// server ("Latchkey"); the server sets its issuer's host.
	TOTPIssuer string

	// LoginRate and LoginBurst limit POST /login per remote IP (one every
	// 6 s, burst 10); excess attempts get 429 with Retry-After. Failed
	// ones also count in the store, on every node sharing it: LoginBurst
	// failures per LoginBurst/LoginRate (60 s) (ratelimit_shared.go).
	// rate.Inf turns the limit off.
	LoginRate  rate.Limit
	LoginBurst int

	// Passkeys is the WebAuthn relying party; nil turns passkeys off
	// (the issuer's host is an IP address). passkey.go, account.go.
	Passkeys *passkey.RP
}

// Manager signs users in: it is the users service of the console and CLI,
// the session and consent provider of the authorization endpoint, and the
// handler of the login, logout and consent pages.
type Manager struct {
	cfg    Config
	store  authcore.Storage
	audit  audit.Recorder
	log    zerolog.Logger
	now    func() time.Time
	randMu sync.Mutex
	rand   io.Reader

	hashSem chan struct{} // bounds concurrent argon2id runs
	dummy   string        // hash verified for unknown users
	limiter *ratelimit.Limiter

	deviceGuard *deviceGuard            // user-code guessing limits, device_guard.go
	lockout     atomic.Pointer[Lockout] // lockout.go

	broker    Broker                                   // brokered login, federation.go
	brokerURL func(providerID, returnTo string) string // its start link

	factorKinds map[authcore.FactorKind]SecondFactor // second factors, mfa.go
	factorOrder []authcore.FactorKind
	mfaPolicy   atomic.Pointer[MFAPolicy]
	hashSecret  func(string) []byte // recovery codes, factor_recovery.go
}

// New checks cfg, fills its defaults and returns a Manager.
func New(cfg Config) (*Manager, error) {
	if cfg.Store == nil {
		return nil, errors.New("login: Config.Store is required")
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
	setDefault(&cfg.SessionTTL, DefaultSessionTTL)
	setDefault(&cfg.LockoutThreshold, DefaultLockoutThreshold)
	setDefault(&cfg.LockoutWindow, DefaultLockoutWindow)
	setDefault(&cfg.LockoutDuration, DefaultLockoutDuration)
	setDefault(&cfg.MinPasswordLength, DefaultMinPasswordLength)
	setDefault(&cfg.PasswordParams, DefaultParams())
	setDefault(&cfg.MaxConcurrentHashes, DefaultMaxConcurrentHashes)
	setDefault(&cfg.LoginRate, DefaultLoginRate)
	setDefault(&cfg.LoginBurst, DefaultLoginBurst)
	if err := cfg.PasswordParams.check(); err != nil {
		return nil, err
	}
	if cfg.SessionTTL < 0 || cfg.LockoutThreshold < 0 || cfg.LockoutWindow < 0 ||
		cfg.LockoutDuration < 0 || cfg.MinPasswordLength < 0 || cfg.MaxConcurrentHashes < 0 {
		return nil, errors.New("login: negative Config value")
	}
	m := &Manager{
		cfg: cfg, store: cfg.Store, audit: cfg.Audit, log: cfg.Logger, now: cfg.Now,
		rand:    cfg.Rand,
		hashSem: make(chan struct{}, cfg.MaxConcurrentHashes),
		limiter: ratelimit.New(cfg.LoginRate, cfg.LoginBurst),

		deviceGuard: newDeviceGuard(),
	}
	m.mfaPolicy.Store(&MFAPolicy{})
	m.RegisterFactor(totpFactor{m})
	m.RegisterFactor(recoveryFactor{m})
	if cfg.Passkeys != nil {
		m.RegisterFactor(passkeyFactor{m}) // factor_webauthn.go
	}
	m.lockout.Store(&Lockout{Threshold: cfg.LockoutThreshold, Window: cfg.LockoutWindow, Duration: cfg.LockoutDuration})
	// The dummy hash has the current parameters, so verifying against it
	// for an unknown user costs what a real verification costs.
	secret, err := m.randomString(32)
	if err != nil {
		return nil, err
	}
	if m.dummy, err = m.HashPassword(secret); err != nil {
		return nil, err
	}
	return m, nil
}

// setDefault sets *v to def when it holds the zero value.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Mount registers the login, logout and consent pages on mux.
func (m *Manager) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", m.serveLoginPage)
	mux.HandleFunc("POST /login", m.handleLogin)
	mux.HandleFunc("POST /logout", m.handleLogout)
	mux.HandleFunc("GET /consent", m.serveConsentPage)
	mux.HandleFunc("POST /consent", m.handleConsent)
	mux.HandleFunc("GET /device", m.serveDevice) // RFC 8628 §3.3, device.go
	mux.HandleFunc("POST /device", m.handleDevice)
	m.mountMFA(mux)     // second factors, mfa_pages.go
	m.mountAccount(mux) // the account page and passkeys, account.go
}
