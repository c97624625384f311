package gateway

import (
	"errors"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/authcore/dpop"
)

// DefaultDPoPMaxAge is how old a DPoP proof's iat may be (RFC 9449 §11.1).
const DefaultDPoPMaxAge = dpop.DefaultMaxAge

// dpopChecker verifies DPoP proofs at the resource server (RFC 9449 §4.3,
// §7.1): the proof itself through authcore/dpop, then the token's key
// binding and the jti replay cache here.
type dpopChecker struct {
	maxAge   time.Duration
	leeway   time.Duration
	maxBytes int
	now      func() time.Time
	replay   *dpop.ReplayCache
}

// check verifies the request's single DPoP proof for the access token
// bound to jkt, requested at htu (already normalised).
func (c *dpopChecker) check(r *http.Request, htu, token, jkt string) *denial {
	proof, present, err := dpop.FromHeader(r.Header)
	if err != nil || !present {
		return proofDenial("dpop_count", "send exactly one DPoP proof header")
	}
	now := c.now()
	p, err := dpop.Check(proof, dpop.Expect{Method: r.Method, URL: htu, AccessToken: token,
		Now: now, MaxAge: c.maxAge, Leeway: c.leeway, MaxBytes: c.maxBytes})
	var pe *dpop.Error
	if errors.As(err, &pe) {
		return proofDenial(pe.Reason, pe.Description)
	} else if err != nil {
		return proofDenial("dpop_malformed", "the DPoP proof is not a well-formed JWT")
	}
	if p.JKT != jkt {
		return &denial{status: http.StatusUnauthorized, code: CodeInvalidToken, dpop: true, challenge: true,
			reason: "dpop_key_mismatch", desc: "the DPoP proof's key is not the key the access token is bound to"}
	}
	if !c.replay.Add(jkt+"\x00"+p.JTI, p.ReplayUntil, now) {
		return proofDenial("dpop_replay", "the DPoP proof was already used; send a fresh proof with each request")
	}
	return nil
}
