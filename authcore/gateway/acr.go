package gateway

import (
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// CodeInsufficientUserAuthentication is RFC 9470 §3: the token's sign-in
// is weaker than the resource needs; the client should ask the user to
// sign in again with the acr_values of the challenge.
const CodeInsufficientUserAuthentication = "insufficient_user_authentication"

// acrSatisfies reports whether a token's acr meets a route's: Latchkey's
// classes by rank, any other value by equality.
func acrSatisfies(have, need string) bool {
	if need == "" || have == need {
		return true
	}
	rn := authcore.ACRRank(need)
	return rn > 0 && authcore.ACRRank(have) >= rn
}

// acrDenial refuses a token whose acr is weaker than need (RFC 9470 §3):
// 401 with error="insufficient_user_authentication" and acr_values.
func acrDenial(need, have string) *denial {
	if acrSatisfies(have, need) {
		return nil
	}
	return &denial{status: http.StatusUnauthorized, code: CodeInsufficientUserAuthentication, acr: need,
		challenge: true, reason: "insufficient_user_authentication",
		desc: "this API needs a stronger sign-in: " + need}
}
