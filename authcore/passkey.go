package authcore

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Passkey is a WebAuthn public-key credential registered by a user
// (W3C Web Authentication Level 2 §6.1, §6.4), as the login and account
// pages see it. It is stored as a Factor of kind FactorWebAuthn (see
// Factor and PasskeyFromFactor). It holds only public material; the
// private key never leaves the authenticator.
type Passkey struct {
	// ID is the credential ID, base64url without padding; it is also
	// the factor's ID.
	ID     string
	UserID string
	// Name is what the user called it on the account page.
	Name string
	// PublicKey is the COSE_Key of the credential (WebAuthn §6.5.1.1).
	PublicKey       []byte
	AttestationType string
	AAGUID          []byte
	Transports      []string
	// SignCount is the highest signature counter seen (WebAuthn
	// §6.1.1); an assertion with a count not above it is a possible
	// clone.
	SignCount uint32
	// BackupEligible and BackupState are the BE and BS flags (WebAuthn
	// §6.1): BE is fixed at registration, BS may change.
	BackupEligible bool
	BackupState    bool
	UserVerified   bool
	CreatedAt      time.Time
	LastUsedAt     time.Time
}

// passkeyV1 is a passkey's Factor.Secret: the credential record.
type passkeyV1 struct {
	PublicKey       []byte   `json:"pub"`
	AttestationType string   `json:"att,omitempty"`
	AAGUID          []byte   `json:"aaguid,omitempty"`
	Transports      []string `json:"transports,omitempty"`
	BackupEligible  bool     `json:"be,omitempty"`
	BackupState     bool     `json:"bs,omitempty"`
	UserVerified    bool     `json:"uv,omitempty"`
}

// Factor returns p as the confirmed second factor the store keeps:
// Counter is the signature counter, Data the credential ID.
func (p Passkey) Factor() Factor {
	rec, _ := json.Marshal(passkeyV1{PublicKey: p.PublicKey, AttestationType: p.AttestationType, AAGUID: p.AAGUID,
		Transports: p.Transports, BackupEligible: p.BackupEligible, BackupState: p.BackupState, UserVerified: p.UserVerified})
	return Factor{ID: p.ID, UserID: p.UserID, Kind: FactorWebAuthn, Name: p.Name, Secret: rec, Confirmed: true,
		Counter: int64(p.SignCount), Data: []byte(p.ID), CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt}
}

// PasskeyFromFactor reads back a factor of kind FactorWebAuthn.
func PasskeyFromFactor(f Factor) (Passkey, error) {
	var rec passkeyV1
	if f.Kind != FactorWebAuthn {
		return Passkey{}, errors.New("authcore: factor " + f.ID + " is not a passkey")
	}
	if err := json.Unmarshal(f.Secret, &rec); err != nil || len(rec.PublicKey) == 0 || f.Counter < 0 || f.Counter > 1<<32-1 {
		return Passkey{}, errors.New("authcore: factor " + f.ID + " holds no valid passkey")
	}
	return Passkey{ID: f.ID, UserID: f.UserID, Name: f.Name, PublicKey: rec.PublicKey,
		AttestationType: rec.AttestationType, AAGUID: rec.AAGUID, Transports: rec.Transports,
		SignCount: uint32(f.Counter), BackupEligible: rec.BackupEligible, BackupState: rec.BackupState,
		UserVerified: rec.UserVerified, CreatedAt: f.CreatedAt, LastUsedAt: f.LastUsedAt}, nil
}

// PasskeyChallenge is the server's half of one WebAuthn ceremony between
// its start and its finish: the challenge and what it was issued for,
// kept until ExpiresAt and usable once.
type PasskeyChallenge struct {
	// ID is the hex SHA-256 of the random value the browser holds.
	ID        string
	State     []byte // the ceremony's session data, opaque to the store
	ExpiresAt time.Time
}

// PasskeyChallenges keeps WebAuthn ceremony challenges in the store, so
// a ceremony begun on one node of a cluster finishes on another.
type PasskeyChallenges interface {
	// PutPasskeyChallenge stores c until c.ExpiresAt, replacing any
	// challenge with the same ID (a page shown again asks anew).
	PutPasskeyChallenge(ctx context.Context, c PasskeyChallenge) error
	// TakePasskeyChallenge returns and removes the challenge id. Exactly
	// one caller gets it; others, and any caller after ExpiresAt at the
	// store's clock, get ErrNotFound.
	TakePasskeyChallenge(ctx context.Context, id string) (PasskeyChallenge, error)
}
