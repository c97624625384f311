package federation

import (
	"errors"

	"github.com/latchkey/latchkey/authcore"
)

// Reasons an external token or login is refused: the Reason of an
// authcore.ExternalTokenError and of the audit event that records it.
const (
	ReasonMalformed        = "malformed"         // not a strict compact JWS within the size limit (authcore/jws: crit, zip, enc, b64, duplicate members refused)
	ReasonUntrustedIssuer  = "untrusted_issuer"  // iss names no registered provider
	ReasonDisabled         = "provider_disabled" // the provider is registered but disabled
	ReasonJWKSUnavailable  = "jwks_unavailable"  // discovery or JWKS could not be fetched (fail closed)
	ReasonAlgorithm        = "alg_not_allowed"   // none, HS*, or outside the provider's allow-list
	ReasonUnknownKey       = "unknown_key"       // no key with that kid, even after a refetch
	ReasonSignature        = "bad_signature"     // the signature does not verify
	ReasonAudience         = "wrong_audience"    // aud holds no accepted audience, or azp is wrong
	ReasonExpired          = "expired"           // exp passed (beyond the leeway) or missing
	ReasonIssuedInFuture   = "iat_in_future"     // iat (or nbf) too far ahead, or iat missing
	ReasonNonce            = "nonce_mismatch"    // the expected nonce is absent or different
	ReasonClaims           = "bad_claims"        // sub missing, typ wrong, ...
	ReasonReplayed         = "replayed"          // the same token (jti or hash) was used before
	ReasonNotProvisioned   = "user_not_linked"   // no linked user and the provider does not provision
	ReasonUserDisabled     = "user_disabled"     // the linked local user is disabled
	ReasonStorage          = "storage_error"     // the store failed (fail closed)
	ReasonResource         = "resource_not_allowed"
	ReasonScope            = "scope_not_allowed"
	ReasonProviderResponse = "provider_error" // brokered login: the provider answered with an error
	ReasonState            = "bad_state"      // brokered login: state or its cookie missing or wrong
)

// refuse builds the refusal for reason.
func refuse(reason string, err error) error {
	return &authcore.ExternalTokenError{Reason: reason, Err: err}
}

// unavailable builds a refusal that is not the token's fault.
func unavailable(reason string, err error) error {
	return &authcore.ExternalTokenError{Reason: reason, Temporary: true, Err: err}
}

// ReasonOf returns the refusal reason of err, or "" when err is not a
// refusal.
func ReasonOf(err error) string {
	var e *authcore.ExternalTokenError
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrInvalidProvider wraps every validation failure of a provider record
// given to AddProvider or UpdateProvider.
var ErrInvalidProvider = errors.New("federation: invalid identity provider")
