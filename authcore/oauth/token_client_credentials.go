package oauth

import (
	"context"
	"net/http"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// clientCredentials is the client_credentials grant (OAuth 2.1 §4.2): for
// confidential clients only, an access token whose sub is the client id
// and no refresh token. It writes nothing to the store; it is the hot
// path. An omitted scope means every scope the client registered, except
// openid and offline_access, which mean nothing without a user.
func (s *Server) clientCredentials(ctx context.Context, tr *tokenRequest) (*tokenResponse, error) {
	c := tr.client
	if c.Type != authcore.Confidential || tr.method == authcore.AuthNone {
		return nil, newError(CodeUnauthorizedClient, http.StatusBadRequest, "client_credentials requires a confidential client")
	}
	scopes, err := parseScope(tr.p.get("scope"))
	if err != nil {
		return nil, errInvalidScope("scope is malformed")
	}
	if scopes == nil {
		for _, sc := range c.Scopes {
			if sc != "openid" && sc != scopeOfflineAccess {
				scopes = append(scopes, sc)
			}
		}
	}
	for _, sc := range scopes {
		if !c.AllowsScope(sc) {
			return nil, errInvalidScope("scope " + sc + " is not allowed for this client")
		}
	}
	details, err := s.parseDetails(ctx, c, tr.p.get("authorization_details")) // RFC 9396 §6, rar.go
	if err != nil {
		return nil, err
	}
	now := s.now()
	aud, err := s.tokenAudience(tr, nil, s.audience(c), nil) // RFC 8707, resource.go
	if err != nil {
		return nil, err
	}
	at, it, err := s.mintAccess(ctx, c, c.ID, scopes, aud, now, tr.cnf(), withDetails(details.json))
	if err != nil {
		return nil, err
	}
	s.issued(ctx, audit.TokenIssued, c, "", authcore.GrantClientCredentials, it, scopes, false)
	resp := bearer(at, it, now, scopes)
	resp.AuthorizationDetails = detailsClaim(details.json)
	return resp, nil
}
