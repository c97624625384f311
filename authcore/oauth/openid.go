package oauth

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// scopeOpenID marks an OpenID Connect request (OIDC Core §3.1.2.1).
const scopeOpenID = "openid"

// idToken returns the ID token of a redeemed code and its expiry when
// the server is an OpenID provider and openid was granted (OIDC Core
// §3.1.3.3), else "".
func (s *Server) idToken(ctx context.Context, c authcore.Client, ac authcore.AuthCode, at string, now time.Time) (string, time.Time, error) {
	if s.cfg.OpenID == nil || !subset([]string{scopeOpenID}, ac.Scopes) {
		return "", time.Time{}, nil
	}
	tok, exp, err := s.cfg.OpenID.IDToken(ctx, c, ac, at, now)
	if err != nil {
		return "", time.Time{}, internal(err)
	}
	return tok, exp, nil
}
