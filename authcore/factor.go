package authcore

import (
	"context"
	"slices"
	"strings"
	"time"
)

// FactorKind names the kind of a second factor.
type FactorKind string

// The kinds of second factor.
const (
	// FactorTOTP is an authenticator app's time-based one-time code
	// (RFC 6238).
	FactorTOTP FactorKind = "totp"
	// FactorWebAuthn is a passkey or security key (WebAuthn Level 2).
	FactorWebAuthn FactorKind = "webauthn"
	// FactorRecovery is a user's set of single-use recovery codes.
	FactorRecovery FactorKind = "recovery"
)

// Factor is one second factor of a user. Secret holds the factor's
// secret material (a TOTP key; a WebAuthn credential; the hashes of the
// unused recovery codes): it never leaves the server, and the stores
// keep it encrypted at rest (the Badger store encrypts the whole
// database; the PostgreSQL store seals the column with the
// data-encryption key).
type Factor struct {
	ID     string
	UserID string
	Kind   FactorKind
	// Name is the user's label ("Phone", "YubiKey").
	Name   string
	Secret []byte
	// Confirmed is set once enrollment was completed (a TOTP factor's
	// first code); only confirmed factors sign anyone in.
	Confirmed bool
	// Counter is the kind's monotonic counter: the last accepted TOTP
	// time step (so each code is accepted once), or a WebAuthn
	// authenticator's signature counter.
	Counter int64
	// Data is kind-specific public data (e.g. a WebAuthn credential id).
	Data       []byte
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// IsSecondFactor reports whether f can complete a sign-in on its own
// after the password: a confirmed authenticator (recovery codes are a
// fallback, not a factor a user "has" enrolled).
func (f Factor) IsSecondFactor() bool {
	return f.Confirmed && (f.Kind == FactorTOTP || f.Kind == FactorWebAuthn)
}

// Factors stores users' second factors. Updaters follow the Storage
// contract: they may rerun and must be pure.
type Factors interface {
	// CreateFactor stores a new factor; an existing (user, ID) is
	// ErrAlreadyExists.
	CreateFactor(ctx context.Context, f Factor) error
	// GetFactor returns the user's factor id, or ErrNotFound.
	GetFactor(ctx context.Context, userID, id string) (Factor, error)
	// ListFactors returns the user's factors, ordered by ID.
	ListFactors(ctx context.Context, userID string) ([]Factor, error)
	// UpdateFactor applies fn to the stored factor in one transaction
	// (this is what makes a TOTP step or a recovery code single use).
	UpdateFactor(ctx context.Context, userID, id string, fn func(Factor) (Factor, error)) error
	// DeleteFactor removes the factor, or returns ErrNotFound.
	DeleteFactor(ctx context.Context, userID, id string) error
}

// Authentication context classes Latchkey satisfies (OIDC Core §2, acr),
// weakest first.
const (
	ACRPassword          = "urn:latchkey:acr:password"
	ACRMFA               = "urn:latchkey:acr:mfa"
	ACRPhishingResistant = "urn:latchkey:acr:phishing-resistant"
)

// ACRValues lists the supported acr values, weakest first (discovery's
// acr_values_supported).
var ACRValues = []string{ACRPassword, ACRMFA, ACRPhishingResistant}

// ACRRank orders acr values by strength: 1 password, 2 mfa, 3
// phishing-resistant; 0 for a value Latchkey does not know.
func ACRRank(acr string) int { return slices.Index(ACRValues, acr) + 1 }

// Authentication method references (RFC 8176 §2) Latchkey records.
const (
	AMRPassword = "pwd"  // a password
	AMROTP      = "otp"  // a one-time code (TOTP or recovery code)
	AMRHardware = "hwk"  // a proof of possession of a hardware key
	AMRUser     = "user" // user presence and verification on the key
	AMRMFA      = "mfa"  // more than one factor
)

// ACRForAMR returns the acr a set of methods satisfies: a hardware key
// with the password or user verification is phishing-resistant, any
// second factor is mfa, a password alone is password.
func ACRForAMR(amr []string) string {
	has := func(v string) bool { return slices.Contains(amr, v) }
	switch {
	case has(AMRHardware) && (has(AMRPassword) || has(AMRUser)):
		return ACRPhishingResistant
	case has(AMRMFA) || has(AMROTP):
		return ACRMFA
	default:
		return ACRPassword
	}
}

// PendingSignInPrefix starts the ID of a Session record that is a
// sign-in still waiting for its second factor (authcore/login). Such a
// record is not a signed-in session: views of a user's sessions skip it.
const PendingSignInPrefix = "mfa-"

// Pending reports whether s is a sign-in still waiting for its second
// factor rather than a signed-in session.
func (s Session) Pending() bool { return strings.HasPrefix(s.ID, PendingSignInPrefix) }

// RequestedACRRank is the strength acr_values ask for (OIDC Core
// §3.1.2.1): the weakest value Latchkey knows, since any of them
// satisfies the client; 0 when it knows none (acr_values is voluntary,
// unknown values are ignored).
func RequestedACRRank(values []string) int {
	need := 0
	for _, v := range values {
		if r := ACRRank(v); r > 0 && (need == 0 || r < need) {
			need = r
		}
	}
	return need
}

// AuthContext returns the acr and amr a session's sign-in achieved. A
// local session from before second factors were recorded was a password
// sign-in; a brokered one carries only what the provider's trusted
// context gave it (possibly nothing).
func (s Session) AuthContext() (string, []string) {
	if s.ACR == "" && s.IdentityProvider == "" {
		return ACRPassword, []string{AMRPassword}
	}
	return s.ACR, s.AMR
}
