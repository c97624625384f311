package oauth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// maxTokenLen bounds a token presented for revocation or introspection
// before any parsing.
const maxTokenLen = 8192

// errOtherClient refuses to act on another client's token (RFC 7009
// §2.1; docs/security.md REV-01 pins unauthorized_client).
var errOtherClient = &Error{Code: CodeUnauthorizedClient, Status: http.StatusBadRequest,
	Description: "the token was issued to another client"}

// verifyAccess returns the claims of a valid access token from this
// issuer: signature through the Signer (a revoked key fails there), typ
// at+jwt, unexpired, exact iss.
func (s *Server) verifyAccess(token string) (*accessClaims, bool) {
	if len(token) > maxTokenLen || strings.Count(token, ".") != 2 {
		return nil, false
	}
	var c accessClaims
	if _, err := s.signer.Verify(token, typAccessToken, &c); err != nil {
		return nil, false
	}
	if c.Issuer != s.cfg.Issuer || c.ID == "" || c.ExpiresAt == nil {
		return nil, false
	}
	return &c, true
}

// handleRevoke is POST /revoke (RFC 7009). Unknown and invalid tokens get
// 200 (§2.2); token_type_hint only orders the lookups; another client's
// token is refused and left alone; a storage failure is 503 (§2.2.1),
// never a 200 for a token still valid.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ca, p, ok := s.clientRequest(w, r, &revokeEndpoint) // endpoint.go
	if !ok {
		return
	}
	ctx := r.Context()
	token := p.get("token")
	if token == "" || len(token) > maxTokenLen {
		s.fail(w, r, errInvalidRequest("token is missing or too long"))
		return
	}
	order := []func(context.Context, authcore.Client, string) (bool, error){s.revokeAccess, s.revokeRefresh}
	if p.get("token_type_hint") == "refresh_token" {
		order[0], order[1] = order[1], order[0]
	}
	for _, revoke := range order {
		found, err := revoke(ctx, ca.client, token)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if found {
			break
		}
	}
	noStore(w.Header())
	w.WriteHeader(http.StatusOK)
}

// revokeAccess revokes an access token by its jti until it expires.
func (s *Server) revokeAccess(ctx context.Context, c authcore.Client, token string) (bool, error) {
	claims, ok := s.verifyAccess(token)
	if !ok {
		return false, nil
	}
	if claims.ClientID != c.ID {
		return true, errOtherClient
	}
	rv := authcore.Revocation{JTI: claims.ID, ExpiresAt: claims.ExpiresAt.Time, RevokedAt: s.now()}
	if err := s.store.RevokeAccessToken(ctx, rv); err != nil {
		return true, unavailable(err)
	}
	s.record(ctx, audit.Event{Type: audit.TokenRevoked, Actor: c.ID, ClientID: c.ID,
		Subject: claims.Subject, Details: map[string]any{"jti": claims.ID, "token_type": "access_token",
			"exp": claims.ExpiresAt.Unix()}}) // exp lets a restore re-apply it (server.RestoreRevocations)
	return true, nil
}

// revokeRefresh revokes a refresh token's whole grant: its family and the
// access tokens issued under it.
func (s *Server) revokeRefresh(ctx context.Context, c authcore.Client, token string) (bool, error) {
	rec, err := s.store.GetRefreshToken(ctx, hashToken(token))
	if errors.Is(err, authcore.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, unavailable(err)
	}
	if rec.ClientID != c.ID {
		return true, errOtherClient
	}
	err = s.store.RevokeGrant(ctx, rec.GrantID, "revoked by client", s.now())
	if err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return true, unavailable(err)
	}
	s.record(ctx, audit.Event{Type: audit.TokenRevoked, Actor: c.ID, ClientID: c.ID,
		Subject: rec.UserID, Details: map[string]any{"grant_id": rec.GrantID, "token_type": "refresh_token"}})
	return true, nil
}
