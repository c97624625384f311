package oauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// DefaultScopes returns the scopes EnsureDefaultScopes registers, with the
// descriptions the consent page shows.
func DefaultScopes() []authcore.Scope {
	return []authcore.Scope{
		{Name: "openid", Description: "Sign you in with your Latchkey account"},
		{Name: "profile", Description: "See your name and username"},
		{Name: "email", Description: "See your email address"},
		{Name: "offline_access", Description: "Stay signed in when you are not using the app"},
		{Name: "orders:read", Description: "Read your orders"},
		{Name: AdminScope, Description: "Administer this Latchkey server"},
	}
}

// CreateScope registers a scope. name must be a scope-token (RFC 6749
// §3.3).
func (s *Server) CreateScope(ctx context.Context, name, description string) (authcore.Scope, error) {
	if !validScopeToken(name) {
		return authcore.Scope{}, authcore.Invalid(ErrInvalidClientMetadata, "scope name %q is malformed", name)
	}
	sc := authcore.Scope{Name: name, Description: description, CreatedAt: s.now()}
	if err := s.store.CreateScope(ctx, sc); err != nil {
		return authcore.Scope{}, fmt.Errorf("oauth: create scope: %w", err)
	}
	s.record(ctx, audit.Event{Type: audit.AdminAction, Reason: "scope.created",
		Details: map[string]any{"scope": name}})
	return sc, nil
}

// ListScopes returns the scope registry.
func (s *Server) ListScopes(ctx context.Context) ([]authcore.Scope, error) {
	return s.store.ListScopes(ctx)
}

// EnsureDefaultScopes registers every DefaultScopes entry that is missing.
func (s *Server) EnsureDefaultScopes(ctx context.Context) error {
	for _, d := range DefaultScopes() {
		_, err := s.CreateScope(ctx, d.Name, d.Description)
		if err != nil && !errors.Is(err, authcore.ErrAlreadyExists) {
			return err
		}
	}
	return nil
}
