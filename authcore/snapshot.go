package authcore

import (
	"context"
	"time"
)

// Snapshot is every record of a store, expired ones included, for moving
// an installation from one backend to another (latchkey store copy) and
// for comparing two stores record by record. Secrets are in it only as
// the store keeps them: hashes, and signing keys, IdP secrets and second-factor
// secrets in the clear (handle a Snapshot like the store itself).
type Snapshot struct {
	Clients           []Client
	Users             []User
	Consents          []Consent
	Sessions          []Session
	Scopes            []Scope
	Settings          map[string][]byte
	SigningKeys       []SigningKey
	AuthCodes         []AuthCode
	Grants            []Grant
	RefreshTokens     []RefreshToken
	Revocations       []Revocation
	UsedOnce          []UsedOnce
	IdentityProviders []IdentityProvider
	FederatedLinks    []FederatedLink
	PushedRequests    []PushedRequest
	DeviceCodes       []DeviceCode
	Factors           []Factor
}

// UsedOnce is a record of Nonces.UseOnce: (Kind, ID) was used and is
// refused again until ExpiresAt.
type UsedOnce struct {
	Kind      string
	ID        string
	ExpiresAt time.Time
	UsedAt    time.Time
}

// Exporter is a store that can list every record it holds.
type Exporter interface {
	// Export returns every record, in one consistent read where the
	// backend allows it.
	Export(ctx context.Context) (Snapshot, error)
}

// Importer is a store that can take a whole Snapshot at once.
type Importer interface {
	// Import writes every record of s as it is (rotated tokens stay
	// rotated, consumed codes consumed, revoked grants revoked) in one
	// transaction. It refuses a store that holds any record already,
	// and writes nothing then.
	Import(ctx context.Context, s Snapshot) error
}
