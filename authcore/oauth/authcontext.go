package oauth

import (
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

// authClaims are the sign-in claims of an access token issued for a
// user (RFC 9068 §2.2.1: auth_time, acr, amr), so a resource server can
// require a strength (RFC 9470) and introspection reports them.
type authClaims struct {
	AuthTime *jwt.NumericDate `json:"auth_time,omitempty"`
	ACR      string           `json:"acr,omitempty"`
	AMR      []string         `json:"amr,omitempty"`
}

// withAuth sets the sign-in claims of an access token.
func withAuth(acr string, amr []string, authTime time.Time) func(*accessClaims) {
	return func(c *accessClaims) {
		c.ACR, c.AMR = acr, amr
		if !authTime.IsZero() {
			c.AuthTime = jwt.NewNumericDate(authTime)
		}
	}
}

// addAuth copies the sign-in claims into an introspection response
// (RFC 7662 §2.2 allows any JWT claim).
func addAuth(out *introspection, c *accessClaims) {
	out.acr, out.amr = c.ACR, c.AMR
	if c.AuthTime != nil {
		out.authTime, out.hasAuthTime = c.AuthTime.Unix(), true
	}
}

// requiredACRRank is the strength the request needs (authcore.ACRRank):
// the weakest known acr_values entry, and mfa for a client registered
// with require_mfa.
func requiredACRRank(ar *authRequest) int {
	need := authcore.RequestedACRRank(strings.Fields(ar.p.get("acr_values")))
	if ar.client.RequireMFA {
		need = max(need, authcore.ACRRank(authcore.ACRMFA))
	}
	return need
}

// needsStepUp reports whether the signed-in session is weaker than the
// request needs: the user must prove a second factor before a code is
// issued (OIDC Core §3.1.2.1 acr_values as an essential request).
func needsStepUp(ar *authRequest, sess authcore.Session) bool {
	acr, _ := sess.AuthContext()
	return authcore.ACRRank(acr) < requiredACRRank(ar)
}

// toStepUp sends a signed-in browser to the second-factor step, coming
// back to next; prompt=none cannot step up and gets
// interaction_required.
func (a *Authorizer) toStepUp(w http.ResponseWriter, r *http.Request, ar *authRequest, ref requestRef, next params) {
	if ar.oidc.prompt["none"] {
		a.s.redirectError(w, r, ar, newError(CodeInteractionRequired, http.StatusBadRequest,
			"the request needs a stronger sign-in"))
		return
	}
	back, err := a.s.returnToRef(r.Context(), ref, next)
	if err != nil {
		a.s.redirectError(w, r, ar, err)
		return
	}
	a.s.ui.RedirectToStepUp(w, r, back)
}
