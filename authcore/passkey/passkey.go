package passkey

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey/latchkey/authcore"
)

// DefaultTimeout is how long the browser is given for one ceremony.
const DefaultTimeout = 5 * time.Minute

// Errors of the ceremonies. Any other error from Finish* means the
// response did not verify; its text is for the log, never the client.
var (
	// ErrRefused wraps every failed verification of a browser's answer.
	ErrRefused = errors.New("passkey: refused")
	// ErrCloned means the credential's signature counter did not advance:
	// two copies of its private key may exist (WebAuthn §6.1.1).
	ErrCloned = errors.New("passkey: signature counter went backwards: possible cloned authenticator")
	// ErrUnknown means the credential is not registered (to this user).
	ErrUnknown = errors.New("passkey: unknown credential")
	// ErrNotForIP means the issuer's host is an IP address, which no
	// browser accepts as a relying-party ID.
	ErrNotForIP = errors.New("passkey: the issuer's host is an IP address; passkeys need a host name (localhost works)")
)

// Config configures a Relying Party.
type Config struct {
	// Issuer is the server's issuer URL; the RP ID is its host and the
	// accepted origin its scheme://host[:port].
	Issuer string
	// Name is the relying party's display name ("Latchkey").
	Name string
	// Timeout bounds each ceremony (DefaultTimeout).
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RP is a WebAuthn Relying Party bound to one issuer.
type RP struct {
	wa      *webauthn.WebAuthn
	id      string
	timeout time.Duration
	now     func() time.Time
}

// New returns the Relying Party of cfg.Issuer.
func New(cfg Config) (*RP, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("passkey: issuer %q is not an http(s) URL", cfg.Issuer)
	}
	host := strings.ToLower(u.Hostname())
	if net.ParseIP(host) != nil {
		return nil, ErrNotForIP
	}
	if cfg.Name == "" {
		cfg.Name = "Latchkey"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	origin := u.Scheme + "://" + strings.ToLower(u.Host)
	timeouts := webauthn.TimeoutConfig{Enforce: true, Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout}
	wa, err := webauthn.New(&webauthn.Config{
		RPID: host, RPDisplayName: cfg.Name, RPOrigins: []string{origin},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts:              webauthn.TimeoutsConfig{Login: timeouts, Registration: timeouts},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: %w", err)
	}
	return &RP{wa: wa, id: host, timeout: cfg.Timeout, now: cfg.Now}, nil
}

// ID returns the relying-party ID.
func (rp *RP) ID() string { return rp.id }

// user adapts an authcore.User and its passkeys to webauthn.User. The
// user handle is the user's ID, which is random and never shown.
type user struct {
	u     authcore.User
	creds []webauthn.Credential
}

func newUser(u authcore.User, keys []authcore.Passkey) (*user, error) {
	wu := &user{u: u}
	for _, p := range keys {
		c, err := credential(p)
		if err != nil {
			return nil, err
		}
		wu.creds = append(wu.creds, c)
	}
	return wu, nil
}

func (w *user) WebAuthnID() []byte   { return []byte(w.u.ID) }
func (w *user) WebAuthnName() string { return w.u.Username }
func (w *user) WebAuthnDisplayName() string {
	if w.u.DisplayName != "" {
		return w.u.DisplayName
	}
	return w.u.Username
}
func (w *user) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// credential turns a stored passkey back into go-webauthn's form.
func credential(p authcore.Passkey) (webauthn.Credential, error) {
	id, err := base64.RawURLEncoding.DecodeString(p.ID)
	if err != nil {
		return webauthn.Credential{}, fmt.Errorf("passkey: stored credential ID: %w", err)
	}
	var transports []protocol.AuthenticatorTransport
	for _, t := range p.Transports {
		transports = append(transports, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID: id, PublicKey: p.PublicKey, AttestationType: p.AttestationType, Transport: transports,
		Flags: webauthn.CredentialFlags{UserPresent: true, UserVerified: p.UserVerified,
			BackupEligible: p.BackupEligible, BackupState: p.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount},
	}, nil
}
