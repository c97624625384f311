package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// inactive is the whole answer for a token that is not active (RFC 7662
// §2.2): {"active":false}, nothing else is disclosed.
var inactive = &introspection{}

// handleIntrospect is POST /introspect (RFC 7662) for confidential
// clients. Policy: a caller sees an access token as active when it was
// issued to the caller or its aud names a resource in the caller's
// registered audience (a resource server); a refresh token only when it
// belongs to the caller. Everything else, and every expired, revoked,
// unknown or foreign-issuer token, is {"active":false}. Each answer is
// audited, repeats of an active one coalesced (introspect_audit.go).
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	ca, p, ok := s.clientRequest(w, r, &introspectEndpoint) // endpoint.go
	if !ok {
		return
	}
	ctx := r.Context()
	token := p.get("token")
	if token == "" {
		s.fail(w, r, errInvalidRequest("token is missing"))
		return
	}
	resp, err := s.introspect(ctx, ca.client, token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditIntrospection(ctx, r, ca.client, resp) // introspect_audit.go
	writeJSON(w, http.StatusOK, resp)
}

// introspect answers for token as caller may see it; the answer must not
// be changed (inactive is shared).
func (s *Server) introspect(ctx context.Context, caller authcore.Client, token string) (*introspection, error) {
	if claims, ok := s.verifyAccessCached(token); ok { // introspect_cache.go
		if claims.ClientID != caller.ID && !intersects(claims.Audience, caller.Audience) {
			return inactive, nil
		}
		keys := [2]string{claims.ID}
		if claims.ClientID != caller.ID {
			// A token of the caller's own: the caller was just read from
			// the store and authenticated, so it is not deleted, and its
			// deletion mark (ClientRevocationJTI) need not be read again.
			keys[1] = authcore.ClientRevocationJTI(claims.ClientID)
		}
		for _, key := range keys {
			if key == "" {
				continue
			}
			revoked, err := s.store.IsRevoked(ctx, key)
			if err != nil {
				return nil, unavailable(err)
			}
			if revoked {
				return inactive, nil
			}
		}
		return accessAnswer(claims), nil
	}
	if len(token) > maxTokenLen {
		return inactive, nil
	}
	return s.introspectRefresh(ctx, caller, token)
}

// introspectRefresh reports on a refresh token of the caller's.
func (s *Server) introspectRefresh(ctx context.Context, caller authcore.Client, token string) (*introspection, error) {
	rec, err := s.store.GetRefreshToken(ctx, hashToken(token))
	if errors.Is(err, authcore.ErrNotFound) {
		return inactive, nil
	} else if err != nil {
		return nil, unavailable(err)
	}
	now := s.now()
	if rec.ClientID != caller.ID || rec.Rotated || !now.Before(rec.ExpiresAt) {
		return inactive, nil
	}
	g, err := s.store.GetGrant(ctx, rec.GrantID)
	if errors.Is(err, authcore.ErrNotFound) {
		return inactive, nil
	} else if err != nil {
		return nil, unavailable(err)
	}
	if g.Revoked {
		return inactive, nil
	}
	return &introspection{active: true, tokenType: "refresh_token", clientID: rec.ClientID,
		sub: s.subjectOf(caller, rec.UserID), aud: g.Audience, // pairwise: subject.go
		iss: s.cfg.Issuer, exp: rec.ExpiresAt.Unix(), iat: rec.CreatedAt.Unix(), hasIAT: true,
		scope: joinScope(rec.Scopes), details: detailsClaim(g.AuthorizationDetails)}, nil // RFC 9396 §9.2
}

// accessAnswer is the answer for an active access token with claims.
func accessAnswer(claims *accessClaims) *introspection {
	in := &introspection{active: true, tokenType: "Bearer", clientID: claims.ClientID, sub: claims.Subject,
		aud: claims.Audience, iss: claims.Issuer, exp: claims.ExpiresAt.Unix(), jti: claims.ID,
		scope: claims.Scope, details: claims.AuthorizationDetails} // RFC 9396 §9.2
	if claims.IssuedAt != nil {
		in.iat, in.hasIAT = claims.IssuedAt.Unix(), true
	}
	addBinding(in, claims) // RFC 9449 §6.2, RFC 8705 §3.2; token_bind.go
	addAuth(in, claims)    // auth_time, acr, amr; authcontext.go
	return in
}

func intersects(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}
