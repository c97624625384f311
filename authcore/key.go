package authcore

import "time"

// KeyState is where a signing key is in its life:
// next -> active -> retired -> removed (or revoked at any point).
type KeyState string

// Signing key states.
const (
	KeyNext    KeyState = "next"
	KeyActive  KeyState = "active"
	KeyRetired KeyState = "retired"
	KeyRevoked KeyState = "revoked"
)

// SigningKey is a private signing key and its lifecycle. PrivateDER is the
// PKCS#8 encoding; it never leaves the store except to the keys package.
type SigningKey struct {
	ID          string // RFC 7638 thumbprint
	Algorithm   string // ES256, RS256, PS256, EdDSA
	State       KeyState
	PrivateDER  []byte
	CreatedAt   time.Time
	ActivatedAt time.Time
	RetiredAt   time.Time
	// RemoveAfter is when a retired key leaves the JWKS.
	RemoveAfter time.Time
	RevokedAt   time.Time
	RevokedWhy  string
}
