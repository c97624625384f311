package oauth

import (
	"context"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// cnfClaim is the confirmation claim of a sender-constrained access token
// (RFC 7800 §3.1): the DPoP key thumbprint (RFC 9449 §6.1, jkt) and/or
// the client certificate thumbprint (RFC 8705 §3.1, x5t#S256).
type cnfClaim struct {
	JKT string `json:"jkt,omitempty"`
	X5T string `json:"x5t#S256,omitempty"`
}

// bindRequest works out the sender constraint of a token request before
// its grant runs: the DPoP proof's key (token_dpop.go) and the TLS client
// certificate (mtls.go). The grant binds what it issues to them.
func (s *Server) bindRequest(ctx context.Context, w http.ResponseWriter, r *http.Request, tr *tokenRequest) error {
	jkt, err := s.tokenDPoP(ctx, w, r, tr.client)
	if err != nil {
		return err
	}
	x5t, err := s.certBinding(r, tr.client)
	if err != nil {
		return err
	}
	tr.jkt, tr.x5t = jkt, x5t
	return nil
}

// senderConstrained reports whether the request's tokens are bound (RFC
// 9449 §5, RFC 8705 §3). Policies such as FAPI 2.0 §5.3.2.1-4
// ("sender-constrained access tokens only") read it.
func (tr *tokenRequest) senderConstrained() bool { return tr.jkt != "" || tr.x5t != "" }

// cnf adds the request's binding to an access token's claims; it is
// passed to mintAccess by every grant.
func (tr *tokenRequest) cnf() func(*accessClaims) {
	return func(c *accessClaims) {
		if tr.senderConstrained() {
			c.Cnf = &cnfClaim{JKT: tr.jkt, X5T: tr.x5t}
		}
	}
}

// tokenType is the token_type of the request's access tokens: DPoP when
// DPoP-bound (RFC 9449 §5.1), else Bearer (RFC 8705 §3 keeps Bearer for
// certificate-bound tokens).
func (tr *tokenRequest) tokenType() string {
	if tr.jkt != "" {
		return TokenTypeDPoP
	}
	return "Bearer"
}

// bindRefresh binds a public client's new refresh token to the request's
// DPoP key (RFC 9449 §5) and certificate (RFC 8705 §4). A confidential
// client's refresh tokens are bound to its authentication instead.
func bindRefresh(tr *tokenRequest, rt *authcore.RefreshToken) {
	if tr.client.Type == authcore.Public {
		rt.JKT, rt.X5T = tr.jkt, tr.x5t
	}
}

// checkRefreshBinding refuses a bound refresh token presented without a
// proof of its key or without its certificate (RFC 9449 §5, RFC 8705 §4).
func checkRefreshBinding(tr *tokenRequest, rec authcore.RefreshToken) error {
	if rec.JKT != "" && tr.jkt != rec.JKT {
		return errInvalidGrant("the refresh token is bound to another DPoP key")
	}
	if rec.X5T != "" && tr.x5t != rec.X5T {
		return errInvalidGrant("the refresh token is bound to another client certificate")
	}
	return nil
}

// addBinding adds an access token's confirmation to its introspection
// response (RFC 9449 §6.2: cnf.jkt and token_type DPoP; RFC 8705 §3.2:
// cnf.x5t#S256).
func addBinding(out *introspection, claims *accessClaims) {
	if claims.Cnf == nil {
		return
	}
	out.cnf = claims.Cnf
	if claims.Cnf.JKT != "" {
		out.tokenType = TokenTypeDPoP
	}
}
