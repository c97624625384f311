package authcore

import (
	"context"
	"time"
)

// Storage is the one storage contract of Latchkey. Every backend (Badger
// for one node, PostgreSQL for several) passes the conformance suite in
// store/storetest, and callers may rely on exactly what follows, no more.
//
// Durability. Every method that changes something returns only after the
// change is durable (fsync'd commit): a caller may acknowledge it to a
// client, and a crash afterwards loses nothing.
//
// Atomicity and isolation. Each method is one transaction. Methods that
// read and then write (every Update*, ConsumeAuthCode, RedeemAuthCode,
// RotateRefreshToken, RevokeGrant, AddAccessToken, UseOnce,
// UpdateDeviceCode, CreateFederatedLink, and Create* where the key must be
// new) behave as if they ran alone on the records they touch: of
// concurrent callers each sees the previous one's committed result, never
// a snapshot it could overwrite (no lost update, no write skew on those
// records). Backends get there by optimistic conflict detection and rerun
// (Badger), or row locks (SELECT ... FOR UPDATE, conditional UPDATE ...
// RETURNING) in READ COMMITTED with a rerun on serialization failure
// (PostgreSQL). Plain
// reads (Get*, List*, IsRevoked) see committed data only, each read
// consistent in itself; a List may miss a record committed while it runs.
// RotateRefreshToken and RevokeGrant of the same grant are serialized, so
// a revocation never leaves a successor token usable.
//
// Single use. ConsumeAuthCode, RedeemAuthCode, RotateRefreshToken,
// UseOnce and the updater of UpdateDeviceCode have exactly one winner
// among any number of concurrent callers, on one node or many sharing
// the store; the losers get ErrConsumed (or ErrConflict, see below),
// never a second success.
//
// Updater callbacks may run more than once. An updater passed to an
// Update* method is called again, with a fresh read of the record, each
// time the backend reruns the transaction after a conflict or a
// serialization failure. It must be a pure function of the record it is
// given: no side effects (no audit events, no counters, no I/O) and no
// state carried between calls; do those after the method returned nil. An
// error returned by the updater aborts the write and reaches the caller
// unchanged, and is never retried.
//
// "Try again". ErrConflict means the operation was not applied because
// concurrent writers kept winning (Badger: its rerun budget ran out;
// PostgreSQL: SQLSTATE 40001 serialization_failure or 40P01
// deadlock_detected survived the reruns). Nothing was written; the caller
// may retry the whole request or answer a temporary error. For a
// single-use operation ErrConflict never means the caller won. Every
// other error (ErrNotFound, ErrAlreadyExists, ErrConsumed, validation
// errors, context errors, connection errors) is final for that call; a
// connection error leaves it unknown whether a write committed, so a
// caller must not report such a write as done.
//
// One clock. Where a method takes now (or an expiry), the store judges
// expiry by that value only and never reads the wall clock for it; the
// methods without one (GetSession, GetRefreshToken, GetGrant, UseOnce,
// ...) use the clock the store was opened with (a Now option, defaulting
// to time.Now), never the database server's. Expiry is absolute and
// exclusive: a record expiring at e is alive strictly before e. Times are
// kept to at least microsecond precision.
//
// Secrets. A backend stores client secrets, codes, refresh tokens,
// session cookies and registration tokens only as the hashes callers
// pass in; signing keys' private material and identity providers' client
// secrets are encrypted at rest (the Badger store encrypts the whole
// database; the PostgreSQL store encrypts those columns with the
// data-encryption key).
type Storage interface {
	Clients
	Users
	Sessions
	Scopes
	Codes
	Grants
	Keyset // cluster.go: Keys with a version for compare-and-swap
	Settings
	SettingSwapper // settingswap.go
	Nonces
	IdentityProviders
	PushedRequests
	DeviceCodes
	BackchannelRequests // ciba.go
	Counters
	Cluster                  // cluster.go
	Factors                  // factor.go
	PasskeyChallenges        // passkey.go
	SessionTouches           // sessiontouch.go
	AuthorizationDetailTypes // authzdetails.go
	Cluster                  // cluster.go
	Factors                  // factor.go
	PasskeyChallenges        // passkey.go
	SessionTouches           // sessiontouch.go
	OnceSettings             // pairwise.go
	RefreshFamilies          // refreshfamily.go

	// GarbageCollect removes records that expired at or before now
	// (revocations: at or before now less MaxClockSkew) and reports how
	// many it removed. It works in bounded batches (one transaction
	// each), so it never holds locks for long, and it may run on several
	// nodes at once (the PostgreSQL store lets one proceed and returns 0
	// on the others). Expired records are already invisible to reads
	// that judge expiry; IsRevoked answers true until the revocation is
	// collected, which fails closed.
	GarbageCollect(ctx context.Context, now time.Time) (int, error)
	// Close releases the store.
	Close() error
}

// Clients stores registered clients.
type Clients interface {
	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	// UpdateClient applies fn to the stored client in one transaction.
	UpdateClient(ctx context.Context, id string, fn func(Client) (Client, error)) error
	DeleteClient(ctx context.Context, id string) error
}

// Users stores resource owners.
type Users interface {
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByUsername(ctx context.Context, username string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	UpdateUser(ctx context.Context, id string, fn func(User) (User, error)) error
	DeleteUser(ctx context.Context, id string) error

	GetConsent(ctx context.Context, userID, clientID string) (Consent, error)
	SaveConsent(ctx context.Context, c Consent) error
	DeleteConsent(ctx context.Context, userID, clientID string) error
	ListConsents(ctx context.Context, userID string) ([]Consent, error)
}

// Sessions stores browser sessions.
type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns ErrNotFound for unknown and expired sessions.
	GetSession(ctx context.Context, id string) (Session, error)
	ListSessions(ctx context.Context, userID string) ([]Session, error)
	DeleteSession(ctx context.Context, id string) error
}

// Scopes stores the scope registry.
type Scopes interface {
	CreateScope(ctx context.Context, s Scope) error
	GetScope(ctx context.Context, name string) (Scope, error)
	ListScopes(ctx context.Context) ([]Scope, error)
	DeleteScope(ctx context.Context, name string) error
}

// Codes stores authorization codes.
type Codes interface {
	CreateAuthCode(ctx context.Context, c AuthCode) error
	// ConsumeAuthCode marks the code consumed and returns it, setting
	// GrantID to grantID. If it was already consumed it returns the stored
	// record and ErrConsumed; unknown or expired codes give ErrNotFound.
	ConsumeAuthCode(ctx context.Context, hash, grantID string, now time.Time) (AuthCode, error)
	// GetAuthCode returns the code, consumed or not; unknown codes, and
	// codes expired at now, give ErrNotFound. It writes nothing.
	GetAuthCode(ctx context.Context, hash string, now time.Time) (AuthCode, error)
	// RedeemAuthCode is ConsumeAuthCode for g.ID and CreateGrant(g, rt)
	// in one transaction: the code names a grant exactly when that grant
	// exists, and a redemption waits for one durable commit, not two.
	// It returns the code as now stored. An already consumed code gives
	// the stored record and ErrConsumed, unknown or expired codes give
	// ErrNotFound, and an existing grant ID or token hash gives
	// ErrAlreadyExists; on any error nothing is written (the code stays
	// as it was).
	RedeemAuthCode(ctx context.Context, hash string, g Grant, rt *RefreshToken, now time.Time) (AuthCode, error)
}

// Grants stores grants, refresh-token families and access-token
// revocations.
type Grants interface {
	// CreateGrant stores a new grant and, if rt is non-nil, its first
	// refresh token, in one transaction.
	CreateGrant(ctx context.Context, g Grant, rt *RefreshToken) error
	GetGrant(ctx context.Context, id string) (Grant, error)
	ListGrants(ctx context.Context) ([]Grant, error)
	// AddAccessToken records an access token issued under grant id.
	AddAccessToken(ctx context.Context, grantID string, t IssuedToken) error

	GetRefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	// RotateRefreshToken atomically marks the token at oldHash rotated and
	// stores next (and records the access token issued with it on the
	// grant). If the old token was already rotated it returns the stored
	// record and ErrConsumed; a revoked grant gives ErrNotFound.
	RotateRefreshToken(ctx context.Context, oldHash string, next RefreshToken, at IssuedToken, now time.Time) (RefreshToken, error)

	// RevokeGrant marks the grant revoked, deletes its refresh tokens and
	// revokes every access token issued under it, in one transaction.
	RevokeGrant(ctx context.Context, id, reason string, now time.Time) error
	// RevokeAccessToken records jti as revoked until expiresAt.
	RevokeAccessToken(ctx context.Context, r Revocation) error
	// IsRevoked reports whether the access token jti was revoked.
	IsRevoked(ctx context.Context, jti string) (bool, error)
	// ListRevocations returns the revocations of access tokens that have
	// not expired at now: the snapshot a standalone gateway's revocation
	// feed starts from.
	ListRevocations(ctx context.Context, now time.Time) ([]Revocation, error)
}

// Keys stores signing keys.
type Keys interface {
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// PutSigningKeys writes every key in one transaction, so a rotation
	// never leaves a keyset without its active key.
	PutSigningKeys(ctx context.Context, keys ...SigningKey) error
	DeleteSigningKey(ctx context.Context, id string) error
}

// Settings stores small named server values (the secret-hash pepper, the
// issuer, policy knobs) as opaque bytes.
type Settings interface {
	GetSetting(ctx context.Context, name string) ([]byte, error)
	PutSetting(ctx context.Context, name string, value []byte) error
}

// Nonces records single-use values that carry their own expiry: client
// assertion jtis (RFC 7523 §3 item 7, OIDC Core §9), and later DPoP proof
// jtis (RFC 9449 §11.1) and the like. The record outlives the value, so a
// replay within its lifetime is recognised (docs/security.md TOK-10, RL-05).
type Nonces interface {
	// UseOnce records that (kind, id) was used, until expiresAt. It
	// returns nil for exactly one caller while the record lives; every
	// other caller, including concurrent ones, gets ErrConsumed. The read
	// and the write of the record share one transaction, and the call
	// returns only after a durable commit. Expiry is absolute and is
	// checked against the store's clock on read; after it, the id may be
	// used again. An expiresAt that is zero or not after the store's now
	// gives ErrConsumed: a value that cannot be remembered must not be
	// accepted.
	UseOnce(ctx context.Context, kind, id string, expiresAt time.Time) error
}
