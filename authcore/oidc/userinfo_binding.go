package oidc

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/dpop"
)

// nonceKindDPoP is the authcore.Nonces kind of DPoP proof jtis, shared
// with the token endpoint.
const nonceKindDPoP = "dpop_proof"

// proofReplay is the persistent DPoP proof jti cache (RFC 9449 §11.1):
// each proof is used once, across restarts, however many resources of
// this server it is shown to.
type proofReplay struct{ nonces authcore.Nonces }

// Fresh implements dpop.Replay.
func (r proofReplay) Fresh(ctx context.Context, key string, until, _ time.Time) (bool, error) {
	err := r.nonces.UseOnce(ctx, nonceKindDPoP, key, until)
	if errors.Is(err, authcore.ErrConsumed) {
		return false, nil
	}
	return err == nil, err
}

// Binding is the sender-constraint check of this server's own resources
// (/userinfo, and the console API through the server): dpop.Enforcer with
// the persistent proof jti cache.
func (p *Provider) Binding() *dpop.Enforcer { return p.binding }

// checkBinding enforces an access token's sender constraint at /userinfo:
// nil lets the request proceed, anything else is the answer.
// A DPoP-bound token needs the DPoP scheme and a proof of its key for
// this request with ath (RFC 9449 §7.1), used once; presented as Bearer it
// is invalid_token (§7.2). The DPoP scheme with an unbound token is
// refused too. A certificate-bound token needs the same TLS client
// certificate (RFC 8705 §3).
func (p *Provider) checkBinding(r *http.Request, token string, c *accessClaims, dpopScheme bool) *Error {
	pr := dpop.Presented{Request: r, Token: token, DPoPScheme: dpopScheme}
	if c.Cnf != nil {
		pr.Binding = *c.Cnf
	}
	pr.URL, _ = dpop.NormalizeHTU(p.cfg.Issuer + "/userinfo")
	e := p.binding.Check(pr)
	switch {
	case e == nil:
		return nil
	case e.Status == http.StatusServiceUnavailable:
		p.log.Error().Err(e.Err).Msg("oidc: userinfo: DPoP replay cache")
		return unavailable()
	case e.DPoP || pr.Binding.JKT != "":
		return &Error{Status: e.Status, Code: e.Code, Description: e.Description, DPoP: true}
	}
	return bearerError(e.Status, e.Code, e.Description)
}
