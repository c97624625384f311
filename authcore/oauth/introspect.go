package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// inactive is the whole answer for a token that is not active (RFC 7662
// §2.2): nothing else is disclosed.
var inactive = map[string]any{"active": false}

// handleIntrospect is POST /introspect (RFC 7662) for confidential
// clients. Policy: a caller sees an access token as active when it was
// issued to the caller or its aud names a resource in the caller's
// registered audience (a resource server); a refresh token only when it
// belongs to the caller. Everything else, and every expired, revoked,
// unknown or foreign-issuer token, is {"active":false}.
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
	s.record(ctx, audit.Event{Type: audit.TokenIntrospected, Actor: ca.client.ID,
		ClientID: ca.client.ID, Details: map[string]any{"active": resp["active"], "jti": resp["jti"]}})
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) introspect(ctx context.Context, caller authcore.Client, token string) (map[string]any, error) {
	if claims, ok := s.verifyAccessCached(token); ok { // introspect_cache.go
		if claims.ClientID != caller.ID && !intersects(claims.Audience, caller.Audience) {
			return inactive, nil
		}
		keys := []string{claims.ID}
		if claims.ClientID != caller.ID {
			// A token of the caller's own: the caller was just read from
			// the store and authenticated, so it is not deleted, and its
			// deletion mark (ClientRevocationJTI) need not be read again.
			keys = append(keys, authcore.ClientRevocationJTI(claims.ClientID))
		}
		for _, key := range keys {
			revoked, err := s.store.IsRevoked(ctx, key)
			if err != nil {
				return nil, unavailable(err)
			}
			if revoked {
				return inactive, nil
			}
		}
		out := map[string]any{"active": true, "token_type": "Bearer",
			"client_id": claims.ClientID, "sub": claims.Subject, "aud": []string(claims.Audience),
			"iss": claims.Issuer, "exp": claims.ExpiresAt.Unix(), "jti": claims.ID}
		if claims.IssuedAt != nil {
			out["iat"] = claims.IssuedAt.Unix()
		}
		if claims.Scope != "" {
			out["scope"] = claims.Scope
		}
		addBinding(out, claims) // RFC 9449 §6.2, RFC 8705 §3.2; token_bind.go
		addAuth(out, claims)    // auth_time, acr, amr; authcontext.go
		if len(claims.AuthorizationDetails) > 0 {
			out["authorization_details"] = claims.AuthorizationDetails // RFC 9396 §9.2
		}
		return out, nil
	}
	if len(token) > maxTokenLen {
		return inactive, nil
	}
	return s.introspectRefresh(ctx, caller, token)
}

// introspectRefresh reports on a refresh token of the caller's.
func (s *Server) introspectRefresh(ctx context.Context, caller authcore.Client, token string) (map[string]any, error) {
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
	out := map[string]any{"active": true, "token_type": "refresh_token",
		"client_id": rec.ClientID, "sub": s.subjectOf(caller, rec.UserID), "aud": g.Audience, // pairwise: subject.go
		"iss": s.cfg.Issuer, "exp": rec.ExpiresAt.Unix(), "iat": rec.CreatedAt.Unix()}
	if len(rec.Scopes) > 0 {
		out["scope"] = joinScope(rec.Scopes)
	}
	if g.AuthorizationDetails != "" {
		out["authorization_details"] = detailsClaim(g.AuthorizationDetails) // RFC 9396 §9.2
	}
	return out, nil
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
