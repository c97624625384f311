package gateway

import (
	"net/http"

	"github.com/latchkey/latchkey/authcore/dpop"
)

// DefaultDPoPMaxAge is how old a DPoP proof's iat may be (RFC 9449 §11.1).
const DefaultDPoPMaxAge = dpop.DefaultMaxAge

// bindingDenial turns a refused sender constraint (dpop.Enforcer, shared
// with /userinfo and the console API) into the gateway's answer.
func bindingDenial(e *dpop.BindingError) *denial {
	if e.Status == http.StatusServiceUnavailable {
		d := plainDenial(e.Status, CodeUnavailable, e.Reason, e.Description)
		d.retryAfter = 2
		return d
	}
	return &denial{status: e.Status, code: e.Code, desc: e.Description, reason: e.Reason,
		dpop: e.DPoP, challenge: true}
}
