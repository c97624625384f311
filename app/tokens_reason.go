package app

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore/keys"
)

// verifyReasons says, for each sentinel the key manager's Verify wraps,
// why a pasted token does not verify, in the console's words. The first
// match wins: the claim checks come before ErrClaims.
var verifyReasons = []struct {
	err error
	why string
}{
	{jwt.ErrTokenExpired, "expired"},
	{jwt.ErrTokenNotValidYet, "not valid yet (nbf)"},
	{jwt.ErrTokenUsedBeforeIssued, "issued in the future (iat)"},
	{jwt.ErrTokenInvalidIssuer, "issued by another issuer"},
	{keys.ErrClaims, "its claims are invalid (exp, nbf, iat or iss)"},
	{keys.ErrMalformed, "malformed: not a JWS this server could have signed"},
	{keys.ErrUnknownKey, "signed by a key this server does not publish (unknown, revoked or removed)"},
	{keys.ErrAlgorithm, "its algorithm is not the one bound to its key"},
	{keys.ErrType, "wrong token type (typ)"},
	{keys.ErrSignature, "the signature does not verify"},
}

// verifyReason is why Verify refused a token, never the error's own text.
func verifyReason(err error) string {
	for _, r := range verifyReasons {
		if errors.Is(err, r.err) {
			return r.why
		}
	}
	return "it does not verify"
}
