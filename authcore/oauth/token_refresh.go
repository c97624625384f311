package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// refresh is the refresh_token grant (OAuth 2.1 §4.3). Refresh tokens are
// bound to their client and rotate on every use; a rotated token
// presented again (including by the loser of a concurrent refresh) is
// reuse: invalid_grant, and the whole family is revoked (OAuth 2.1
// §4.3.1, RFC 9700 §4.14.2). scope may narrow the new access token, never
// widen it; the new refresh token keeps the grant's scope (RFC 6749 §6).
// The family ends at the grant's absolute expiry. A FAPI client's
// sender-constrained refresh does not rotate (keepsRefreshToken).
func (s *Server) refresh(ctx context.Context, tr *tokenRequest) (*tokenResponse, error) {
	value := tr.p.get("refresh_token")
	if value == "" {
		return nil, errInvalidRequest("refresh_token is missing")
	}
	now := s.now()
	rec, g, err := s.store.GetRefreshFamily(ctx, hashToken(value)) // token and grant: one round trip on PostgreSQL
	if errors.Is(err, authcore.ErrNotFound) {
		return nil, errInvalidGrant("refresh token is invalid, expired or revoked")
	} else if err != nil {
		return nil, unavailable(err)
	}
	if rec.ClientID != tr.client.ID {
		return nil, errInvalidGrant("refresh token was issued to another client")
	}
	if rec.Rotated {
		return nil, s.refreshReuse(ctx, rec, now)
	}
	if err := checkRefreshBinding(tr, rec); err != nil { // token_bind.go
		return nil, err
	}
	if !now.Before(rec.ExpiresAt) {
		return nil, errInvalidGrant("refresh token is invalid, expired or revoked")
	}
	if g == nil || g.Revoked || !now.Before(g.ExpiresAt) {
		return nil, errInvalidGrant("refresh token is invalid, expired or revoked")
	}
	scopes, err := parseScope(tr.p.get("scope"))
	if err != nil {
		return nil, errInvalidScope("scope is malformed")
	}
	if scopes == nil {
		scopes = rec.Scopes
	} else if !subset(scopes, rec.Scopes) {
		return nil, errInvalidScope("scope exceeds the original grant")
	}
	if scopes, err = s.roleScopes(ctx, rec.UserID, scopes); err != nil { // scope_role.go
		return nil, err
	}
	aud, err := s.tokenAudience(tr, g.Resources, g.Audience, scopes) // RFC 8707, resource.go
	if err != nil {
		return nil, err
	}
	details, err := s.narrowedDetails(ctx, tr, g.AuthorizationDetails) // RFC 9396 §6, rar_token.go
	if err != nil {
		return nil, err
	}
	at, it, err := s.mintAccess(ctx, tr.client, s.subjectOf(tr.client, rec.UserID), scopes, aud, now, tr.cnf(),
		withAuth(g.ACR, g.AMR, g.AuthTime), withGrant(tr.client, g.ID), withDetails(details))
	if err != nil {
		return nil, err
	}
	if keepsRefreshToken(tr) {
		resp, err := s.refreshInPlace(ctx, tr, rec, value, at, it, scopes, now)
		if resp != nil {
			resp.AuthorizationDetails = detailsClaim(details)
		}
		return resp, err
	}
	nextValue, err := s.randomToken(32)
	if err != nil {
		return nil, internal(err)
	}
	exp := now.Add(s.refreshTTL(tr.client))
	if g.ExpiresAt.Before(exp) {
		exp = g.ExpiresAt
	}
	next := authcore.RefreshToken{Hash: hashToken(nextValue), GrantID: rec.GrantID,
		ClientID: rec.ClientID, UserID: rec.UserID, Scopes: rec.Scopes,
		ExpiresAt: exp, CreatedAt: now, JKT: rec.JKT, X5T: rec.X5T}
	switch _, err := s.store.RotateRefreshToken(ctx, rec.Hash, next, it, now); {
	case errors.Is(err, authcore.ErrConsumed), errors.Is(err, authcore.ErrConflict):
		return nil, s.refreshReuse(ctx, rec, now)
	case errors.Is(err, authcore.ErrNotFound):
		return nil, errInvalidGrant("refresh token is invalid, expired or revoked")
	case err != nil:
		return nil, unavailable(err)
	}
	resp := bearer(at, it, now, scopes)
	resp.RefreshToken = nextValue
	resp.AuthorizationDetails = detailsClaim(details)
	s.issued(ctx, audit.TokenRefreshed, tr.client, rec.UserID, authcore.GrantRefreshToken, it, scopes, true)
	return resp, nil
}

// keepsRefreshToken reports whether a refresh leaves the refresh token in
// place: FAPI 2.0 §5.3.2.1-9 ("shall not use refresh token rotation
// except in extraordinary circumstances") for a confidential FAPI client
// whose tokens are sender-constrained (DPoP or mTLS). Rotation only
// makes such clients lose their grant when a response is lost; replay of
// a stolen token is already stopped by the client authentication the
// token is bound to and by the sender constraint. Every other client
// rotates with reuse detection (OAuth 2.1 §4.3.1).
func keepsRefreshToken(tr *tokenRequest) bool {
	return tr.client.FAPI && tr.client.Type == authcore.Confidential && tr.senderConstrained()
}

// refreshInPlace answers a refresh that keeps its refresh token: the new
// access token is recorded on the grant, so revoking the family reaches
// it (a grant revoked meanwhile revokes it at once and the refresh
// fails), and the same refresh token is returned, still ending at the
// expiry it was issued with (never past the grant's).
func (s *Server) refreshInPlace(ctx context.Context, tr *tokenRequest, rec authcore.RefreshToken, value, at string,
	it authcore.IssuedToken, scopes []string, now time.Time) (*tokenResponse, error) {
	switch err := s.store.AddAccessToken(ctx, rec.GrantID, it); {
	case errors.Is(err, authcore.ErrNotFound):
		return nil, errInvalidGrant("refresh token is invalid, expired or revoked")
	case err != nil:
		return nil, unavailable(err)
	}
	resp := bearer(at, it, now, scopes)
	resp.RefreshToken = value
	s.issued(ctx, audit.TokenRefreshed, tr.client, rec.UserID, authcore.GrantRefreshToken, it, scopes, false)
	return resp, nil
}

// refreshReuse revokes the family of a reused refresh token and audits
// it. The answer is invalid_grant even if the revocation fails (it is
// logged): the reused token never works again either way.
func (s *Server) refreshReuse(ctx context.Context, rec authcore.RefreshToken, now time.Time) error {
	const reason = "refresh token reuse"
	if err := s.store.RevokeGrant(ctx, rec.GrantID, reason, now); err != nil &&
		!errors.Is(err, authcore.ErrNotFound) {
		s.log.Error().Err(err).Str("client_id", rec.ClientID).Msg("oauth: revoke family after refresh reuse")
	}
	s.record(ctx, audit.Event{Type: audit.RefreshReuse, Outcome: audit.Failure, Actor: rec.ClientID,
		Subject: rec.UserID, ClientID: rec.ClientID, Reason: reason,
		Details: map[string]any{"grant_id": rec.GrantID}})
	return errInvalidGrant("refresh token is invalid, expired or revoked")
}
