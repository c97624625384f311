package passkey

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey/latchkey/authcore"
)

// Purpose says what a ceremony was started for; a state is only ever
// finished for the purpose it was begun with.
type Purpose string

// The three ceremonies.
const (
	Register     Purpose = "register"      // add a passkey (account page)
	SecondFactor Purpose = "second-factor" // after the password, allowed credentials listed
	Passwordless Purpose = "passwordless"  // discoverable, user verification required
)

// state is what a caller keeps between Begin* and Finish*.
type state struct {
	Purpose Purpose              `json:"purpose"`
	UserID  string               `json:"user,omitempty"`
	Session webauthn.SessionData `json:"session"`
}

func (rp *RP) encode(p Purpose, userID string, s *webauthn.SessionData, options any) (opts, st []byte, err error) {
	if opts, err = json.Marshal(options); err != nil {
		return nil, nil, fmt.Errorf("passkey: encode options: %w", err)
	}
	if st, err = json.Marshal(state{Purpose: p, UserID: userID, Session: *s}); err != nil {
		return nil, nil, fmt.Errorf("passkey: encode state: %w", err)
	}
	return opts, st, nil
}

func decode(p Purpose, raw []byte) (state, error) {
	var s state
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("%w: decode state: %w", ErrRefused, err)
	}
	if s.Purpose != p {
		return s, fmt.Errorf("%w: a %s ceremony finished as %s", ErrRefused, s.Purpose, p)
	}
	return s, nil
}

// BeginRegistration starts adding a passkey for u, who holds keys
// already (they are excluded, so one authenticator is registered once).
// It returns the JSON of PublicKeyCredentialCreationOptions for
// navigator.credentials.create and the state to keep.
func (rp *RP) BeginRegistration(u authcore.User, keys []authcore.Passkey) (options, st []byte, err error) {
	wu, err := newUser(u, keys)
	if err != nil {
		return nil, nil, err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range wu.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, s, err := rp.wa.BeginRegistration(wu,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationPreferred}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: begin registration: %w", err)
	}
	return rp.encode(Register, u.ID, s, creation.Response)
}

// FinishRegistration verifies the browser's response (the JSON of the
// PublicKeyCredential) against st and returns the new passkey, named
// name. It does not store it.
func (rp *RP) FinishRegistration(u authcore.User, keys []authcore.Passkey, st, response []byte, name string) (authcore.Passkey, error) {
	s, err := decode(Register, st)
	if err != nil {
		return authcore.Passkey{}, err
	}
	if s.UserID != u.ID {
		return authcore.Passkey{}, fmt.Errorf("%w: registration finished by another user", ErrRefused)
	}
	wu, err := newUser(u, keys)
	if err != nil {
		return authcore.Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return authcore.Passkey{}, fmt.Errorf("%w: parse registration: %w", ErrRefused, detail(err))
	}
	c, err := rp.wa.CreateCredential(wu, s.Session, parsed)
	if err != nil {
		return authcore.Passkey{}, fmt.Errorf("%w: verify registration: %w", ErrRefused, detail(err))
	}
	var transports []string
	for _, t := range c.Transport {
		transports = append(transports, string(t))
	}
	now := rp.now()
	return authcore.Passkey{
		ID: base64.RawURLEncoding.EncodeToString(c.ID), UserID: u.ID, Name: name,
		PublicKey: c.PublicKey, AttestationType: c.AttestationType, AAGUID: c.Authenticator.AAGUID,
		Transports: transports, SignCount: c.Authenticator.SignCount,
		BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState, UserVerified: c.Flags.UserVerified,
		CreatedAt: now,
	}, nil
}

// detail keeps go-webauthn's developer detail in the error chain (for
// the log; never for the client).
func detail(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%w (%s)", err, pe.DevInfo)
	}
	return err
}
