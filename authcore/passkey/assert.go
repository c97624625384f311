package passkey

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey/latchkey/authcore"
)

// Assertion is a verified sign-in with a passkey.
type Assertion struct {
	User authcore.User
	// Passkey is the credential used, with its new counter, flags and
	// last-used time: the caller stores it.
	Passkey authcore.Passkey
	// UserVerified is the UV flag: the authenticator checked a PIN or
	// biometric (RFC 8176 amr "user").
	UserVerified bool
}

// Loader returns a user and their passkeys by user ID.
type Loader func(userID string) (authcore.User, []authcore.Passkey, error)

// BeginLogin starts a sign-in. With u nil it is a passwordless sign-in
// with a discoverable credential and user verification required; else a
// second factor for u, limited to keys, user verification preferred.
func (rp *RP) BeginLogin(u *authcore.User, keys []authcore.Passkey) (options, st []byte, err error) {
	if u == nil {
		a, s, err := rp.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
		if err != nil {
			return nil, nil, fmt.Errorf("passkey: begin login: %w", err)
		}
		return rp.encode(Passwordless, "", s, a.Response)
	}
	if len(keys) == 0 {
		return nil, nil, ErrUnknown
	}
	wu, err := newUser(*u, keys)
	if err != nil {
		return nil, nil, err
	}
	a, s, err := rp.wa.BeginLogin(wu, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: begin login: %w", err)
	}
	return rp.encode(SecondFactor, u.ID, s, a.Response)
}

// FinishLogin verifies the browser's assertion against st, begun for
// purpose, loading the user through load. A counter that did not
// advance returns the Assertion (to audit which credential) and
// ErrCloned; an assertion of a registered credential that does not
// verify (wrong RP ID, origin, flags or signature) returns its user and
// stored passkey with ErrRefused. Either way the caller must refuse the
// sign-in.
func (rp *RP) FinishLogin(purpose Purpose, st, response []byte, load Loader) (Assertion, error) {
	s, err := decode(purpose, st)
	if err != nil {
		return Assertion{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return Assertion{}, fmt.Errorf("%w: parse assertion: %w", ErrRefused, detail(err))
	}
	userID := s.UserID
	if purpose == Passwordless {
		userID = string(parsed.Response.UserHandle)
	}
	if userID == "" {
		return Assertion{}, ErrUnknown
	}
	u, keys, err := load(userID)
	if err != nil {
		return Assertion{}, err
	}
	stored, ok := find(keys, parsed.RawID)
	if !ok {
		return Assertion{}, ErrUnknown
	}
	wu, err := newUser(u, keys)
	if err != nil {
		return Assertion{}, err
	}
	var c *webauthn.Credential
	if purpose == Passwordless {
		_, c, err = rp.wa.ValidatePasskeyLogin(func(_, _ []byte) (webauthn.User, error) { return wu, nil }, s.Session, parsed)
	} else {
		c, err = rp.wa.ValidateLogin(wu, s.Session, parsed)
	}
	if err != nil {
		// The credential is u's: name both, so the refusal is audited
		// against them (no counter, flag or time of it is kept).
		return Assertion{User: u, Passkey: stored}, fmt.Errorf("%w: verify assertion: %w", ErrRefused, detail(err))
	}
	a := Assertion{User: u, Passkey: stored, UserVerified: parsed.Response.AuthenticatorData.Flags.HasUserVerified()}
	if c.Authenticator.CloneWarning {
		return a, ErrCloned
	}
	a.Passkey.SignCount = c.Authenticator.SignCount
	a.Passkey.BackupState = c.Flags.BackupState
	a.Passkey.UserVerified = a.Passkey.UserVerified || a.UserVerified
	a.Passkey.LastUsedAt = rp.now()
	return a, nil
}

// find returns the passkey of keys with the raw credential ID id.
func find(keys []authcore.Passkey, id []byte) (authcore.Passkey, bool) {
	for _, p := range keys {
		raw, err := base64.RawURLEncoding.DecodeString(p.ID)
		if err == nil && bytes.Equal(raw, id) {
			return p, true
		}
	}
	return authcore.Passkey{}, false
}

// IsRefused reports whether err is a verdict on the browser's answer
// (not a failure of the server): unknown, cloned, or not verified.
func IsRefused(err error) bool {
	return errors.Is(err, ErrRefused) || errors.Is(err, ErrUnknown) || errors.Is(err, ErrCloned)
}
