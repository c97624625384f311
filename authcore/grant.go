package authcore

import (
	"errors"
	"time"
)

// AuthCode is an authorization code, stored under the hash of its value.
// It is single use: RedeemAuthCode (or ConsumeAuthCode, which burns a
// code a redemption refused) marks it consumed atomically.
type AuthCode struct {
	Hash          string // hex SHA-256 of the code value
	ClientID      string
	UserID        string
	RedirectURI   string
	Scopes        []string
	Audience      []string
	CodeChallenge string // S256 challenge
	Nonce         string
	AuthTime      time.Time
	ExpiresAt     time.Time
	CreatedAt     time.Time

	// Consumed is set by RedeemAuthCode or ConsumeAuthCode; GrantID names
	// the grant the redemption created (or would have), so a replay can
	// revoke it.
	Consumed bool
	GrantID  string

	// SessionID is the public session identifier (Session.SID) of the
	// browser session the code was issued in: the sid claim (OIDC
	// Front-/Back-Channel Logout 1.0 §2.1, §2.4).
	SessionID string
	// ACR is the authentication context class satisfied (OIDC Core §2,
	// acr).
	ACR string
	// AMR are the authentication methods of the sign-in (RFC 8176).
	AMR []string
	// Claims is the normalized claims request parameter (OIDC Core
	// §5.5), "" when none was sent.
	Claims string
	// DPoPJKT is the dpop_jkt authorization request parameter (RFC 9449
	// §10): the code may only be redeemed with a DPoP proof of that key.
	DPoPJKT string
	// Resources are the RFC 8707 §2 resource indicators the
	// authorization granted; nil when none was sent (the client's
	// registered audience applies).
	Resources []string
	// AuthorizationDetails are the RFC 9396 authorization details the
	// user approved, as a JSON array; "" when none were requested.
	AuthorizationDetails string
}

// Grant is one authorization that issued tokens: a code redemption or a
// refresh-token family. Revoking it revokes every refresh token in the
// family and every access token listed in AccessJTIs.
type Grant struct {
	ID        string
	ClientID  string
	UserID    string
	Scopes    []string
	Audience  []string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time // the family's absolute end

	// AccessJTIs are the access tokens issued under this grant, with
	// their expiry, so family revocation reaches them.
	AccessJTIs []IssuedToken

	Revoked       bool
	RevokedAt     time.Time
	RevokedReason string

	// SessionID is the public session identifier (Session.SID) the grant
	// was authorized in; "" when none (client credentials).
	SessionID string
	// ACR and AMR are the authentication context class and methods of
	// the sign-in behind the grant (OIDC Core §2, RFC 8176): its access
	// tokens carry them (RFC 9068 §2.2.1) so the gateway can require a
	// class, and introspection reports them.
	ACR string
	AMR []string
	// Claims is the normalized claims request parameter (OIDC Core
	// §5.5) of the authorization, kept so refreshed access tokens still
	// carry its userinfo claims.
	Claims string
	// Resources are the RFC 8707 resource indicators granted; each
	// access token names exactly one of them (see AuthCode.Resources).
	Resources []string
	// AuthorizationDetails are the RFC 9396 authorization details
	// granted, as a JSON array ("" when none): a refresh may narrow its
	// access token's details to a subset, never widen them (§6).
	AuthorizationDetails string
}

// IssuedToken names an access token by jti and expiry.
type IssuedToken struct {
	JTI       string
	ExpiresAt time.Time
	// Kid names the key that signed the token, so the console can list
	// the grants a key's revocation would reach; "" in older records.
	Kid string
}

// RefreshToken is one member of a grant's rotating family, stored under the
// hash of its value.
type RefreshToken struct {
	Hash      string
	GrantID   string
	ClientID  string
	UserID    string
	Scopes    []string
	ExpiresAt time.Time
	CreatedAt time.Time

	// Rotated is set when the token was exchanged for its successor;
	// presenting it again is reuse.
	Rotated   bool
	RotatedAt time.Time
	// NextHash is the successor issued on rotation.
	NextHash string

	// JKT binds the token to a DPoP key (RFC 9449 §5: refresh tokens of
	// public clients); X5T to a client certificate (RFC 8705 §4). A
	// bound token is refreshed only with a proof of the same key or a
	// TLS connection with the same certificate. Successors keep them.
	JKT string
	X5T string
}

// Revocation records a revoked access token (by jti) until it expires.
// A store keeps it at least until ExpiresAt plus MaxClockSkew, judged by
// the collector's clock, never by a wall-clock TTL of the storage engine:
// a clock that jumps ahead must not delete a revocation whose token is
// valid again once the clock comes back.
type Revocation struct {
	JTI       string
	ExpiresAt time.Time
	RevokedAt time.Time
}

// MaxClockSkew is the largest clock skew a verifier of Latchkey's tokens
// may allow (a standalone gateway's leeway is at most this). Records that
// guard a token (revocations) outlive the token's exp by at least this.
const MaxClockSkew = 5 * time.Minute

// ErrWrongGrant is returned by a store asked to keep a refresh token
// under a grant the token does not name.
var ErrWrongGrant = errors.New("authcore: refresh token belongs to another grant")

// ErrEmptyHash is returned by a store given a refresh token without its
// hash.
var ErrEmptyHash = errors.New("authcore: refresh token has an empty hash")

// InGrant returns rt ready to be stored under grantID: an empty GrantID
// becomes grantID. It refuses a token without a hash (ErrEmptyHash) or
// one that names another grant (ErrWrongGrant). Every store applies it to
// a grant's first refresh token and to each successor on rotation.
func (rt RefreshToken) InGrant(grantID string) (RefreshToken, error) {
	if rt.GrantID == "" {
		rt.GrantID = grantID
	}
	switch {
	case rt.Hash == "":
		return rt, ErrEmptyHash
	case rt.GrantID != grantID:
		return rt, ErrWrongGrant
	}
	return rt, nil
}

// FirstInGrant is InGrant for the first refresh token of a new grant,
// which may have none: nil stays nil.
func FirstInGrant(grantID string, rt *RefreshToken) (*RefreshToken, error) {
	if rt == nil {
		return nil, nil
	}
	first, err := rt.InGrant(grantID)
	return &first, err
}
