package oauth

import (
	"context"
	"errors"
	"slices"

	"github.com/latchkey/latchkey/authcore"
)

// AdminScope is the scope of Latchkey's own admin API (the console). It
// is granted only to users with the admin role: for anyone else it is
// dropped from what an authorization, a refresh, a device code or an
// exchange grants, as a scope the user may not have (RFC 6749 §3.3: the
// server may issue fewer scopes than requested, and says so in scope).
const AdminScope = "latchkey:admin"

// roleScopes is scopes without AdminScope unless userID names a user
// with the admin role. Checked at every issuance, so a demoted
// administrator's next refresh loses it too.
func (s *Server) roleScopes(ctx context.Context, userID string, scopes []string) ([]string, error) {
	if !slices.Contains(scopes, AdminScope) {
		return scopes, nil
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return nil, unavailable(err)
	}
	if err == nil && u.Admin {
		return scopes, nil
	}
	return slices.DeleteFunc(slices.Clone(scopes), func(sc string) bool { return sc == AdminScope }), nil
}

// roleScopesOf drops what the signed-in user may not have from an
// authorization request, before consent is asked or a code issued, so
// neither the consent page nor the code carries it.
func (s *Server) roleScopesOf(ctx context.Context, ar *authRequest, userID string) error {
	scopes, err := s.roleScopes(ctx, userID, ar.scopes)
	if err != nil || len(scopes) == len(ar.scopes) {
		return err
	}
	ar.scopes = scopes
	if _, ok := ar.p["scope"]; ok {
		ar.p["scope"] = joinScope(scopes)
	}
	return nil
}
