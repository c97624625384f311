package keys

import "errors"

// Errors callers may branch on with errors.Is. Verify wraps golang-jwt's
// claim errors (jwt.ErrTokenExpired, ...) together with ErrClaims.
var (
	// ErrMalformed: the token is too large, has not exactly three
	// segments, or its header is not the JSON a JWS needs (RFC 7515 §5.2).
	ErrMalformed = errors.New("keys: malformed token")
	// ErrUnknownKey: no published, non-revoked key has that kid (also
	// the answer for revoked and removed keys).
	ErrUnknownKey = errors.New("keys: unknown key")
	// ErrAlgorithm: the header alg is not the algorithm bound to the key
	// (RFC 8725 §3.1); none and HS* always end here or in ErrMalformed.
	ErrAlgorithm = errors.New("keys: algorithm does not match the key")
	// ErrType: the typ header is missing or not the one expected
	// (explicit typing, RFC 8725 §3.11).
	ErrType = errors.New("keys: wrong token type")
	// ErrSignature: the signature does not verify.
	ErrSignature = errors.New("keys: invalid signature")
	// ErrClaims: exp, nbf, iat or iss failed validation.
	ErrClaims = errors.New("keys: invalid claims")
	// ErrNoKey: no key with that kid exists in the store (Revoke).
	ErrNoKey = errors.New("keys: no such key")
	// ErrAlgorithmNotInUse: the algorithm is not one of
	// Config.Algorithms (Sign, Rotate).
	ErrAlgorithmNotInUse = errors.New("keys: algorithm not in use")
	// ErrNoReason: Revoke was called without a reason for the audit log.
	ErrNoReason = errors.New("keys: revoke: a reason is required")
)
