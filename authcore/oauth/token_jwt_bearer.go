package oauth

import (
	"context"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// jwtBearer is the JWT bearer grant (RFC 7523 §2.1): the assertion is an
// ID token (or other JWT) of a trusted external provider, validated as
// for token exchange (RFC 7523 §3: iss, sub, aud, exp, signature; a
// replayed jti is refused), and the result is an access token for the
// linked local user. Latchkey asks for client authentication (§3.1 lets
// the server require it): confidential clients only. Refusals are
// invalid_grant (§3.1); no refresh token is issued.
func (s *Server) jwtBearer(ctx context.Context, f Federation, tr *tokenRequest) (*tokenResponse, error) {
	c, p := tr.client, tr.p
	if c.Type != authcore.Confidential || tr.method == authcore.AuthNone {
		return nil, newError(CodeUnauthorizedClient, http.StatusBadRequest, "the JWT bearer grant requires a confidential client")
	}
	if !p.has("assertion") {
		return nil, errInvalidRequest("assertion is required")
	}
	return s.federatedAccess(ctx, f, tr, p.get("assertion"), authcore.GrantJWTBearer)
}
