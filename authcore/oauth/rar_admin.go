package oauth

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// ErrInvalidDetailType is the kind of an authorization_details type the
// administrator cannot register as given.
var ErrInvalidDetailType = errors.New("oauth: invalid authorization_details type")

// detailTypeName is what a type name may be: printable, no spaces, at
// most 128 characters (RFC 9396 §2 allows any string; Latchkey keeps
// names that are safe in a URL path, a CLI argument and a log line).
var detailTypeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/~-]{0,127}$`)

// maxDetailSchema bounds a type's schema text.
const maxDetailSchema = 64 << 10

// checkDetailType validates a type before it is stored: its name, its
// schema (compiles as draft 2020-12, no external references) and its
// consent template (authcore.ValidConsentTemplate).
func checkDetailType(t authcore.AuthorizationDetailType) error {
	if !detailTypeName.MatchString(t.Type) {
		return authcore.Invalid(ErrInvalidDetailType, "type name %q is malformed: letters, digits and ._:/~- only, at most 128", truncate(t.Type, 64))
	}
	if len(t.Schema) > maxDetailSchema {
		return authcore.Invalid(ErrInvalidDetailType, "schema is longer than 64 KiB")
	}
	if _, err := compileDetailSchema(t.Type, t.Schema); err != nil {
		return authcore.Invalid(ErrInvalidDetailType, "schema is not a valid JSON Schema (draft 2020-12, no external $ref)")
	}
	if err := authcore.ValidConsentTemplate(t.ConsentTemplate); err != nil {
		return authcore.Invalid(ErrInvalidDetailType, "consent template must be 1 to %d characters and use only {{field}} or {{field.sub}} placeholders", authcore.MaxConsentTemplate)
	}
	return nil
}

// CreateAuthorizationDetailType registers a type (RFC 9396 §2) after
// checkDetailType.
func (s *Server) CreateAuthorizationDetailType(ctx context.Context, t authcore.AuthorizationDetailType) (authcore.AuthorizationDetailType, error) {
	if err := checkDetailType(t); err != nil {
		return authcore.AuthorizationDetailType{}, err
	}
	now := s.now()
	t.CreatedAt, t.UpdatedAt = now, now
	if err := s.store.CreateAuthorizationDetailType(ctx, t); err != nil {
		return authcore.AuthorizationDetailType{}, fmt.Errorf("oauth: create authorization_details type: %w", err)
	}
	s.record(ctx, audit.Event{Type: audit.AdminAction, Reason: "authorization_details_type.created",
		Details: map[string]any{"type": t.Type}})
	return t, nil
}

// UpdateAuthorizationDetailType replaces a type's description, schema
// and consent template after checkDetailType; tokens already issued keep
// the details they carry.
func (s *Server) UpdateAuthorizationDetailType(ctx context.Context, t authcore.AuthorizationDetailType) (authcore.AuthorizationDetailType, error) {
	if err := checkDetailType(t); err != nil {
		return authcore.AuthorizationDetailType{}, err
	}
	var out authcore.AuthorizationDetailType
	now := s.now()
	err := s.store.UpdateAuthorizationDetailType(ctx, t.Type, func(cur authcore.AuthorizationDetailType) (authcore.AuthorizationDetailType, error) {
		cur.Description, cur.Schema, cur.ConsentTemplate, cur.UpdatedAt = t.Description, t.Schema, t.ConsentTemplate, now
		out = cur
		return cur, nil
	})
	if err != nil {
		return authcore.AuthorizationDetailType{}, fmt.Errorf("oauth: update authorization_details type: %w", err)
	}
	s.record(ctx, audit.Event{Type: audit.AdminAction, Reason: "authorization_details_type.updated",
		Details: map[string]any{"type": t.Type}})
	return out, nil
}

// DeleteAuthorizationDetailType removes a type: requests for it fail
// from now on; tokens already issued keep their details.
func (s *Server) DeleteAuthorizationDetailType(ctx context.Context, name string) error {
	if err := s.store.DeleteAuthorizationDetailType(ctx, name); err != nil {
		return fmt.Errorf("oauth: delete authorization_details type: %w", err)
	}
	s.record(ctx, audit.Event{Type: audit.AdminAction, Reason: "authorization_details_type.deleted",
		Details: map[string]any{"type": name}})
	return nil
}

// ListAuthorizationDetailTypes returns the registered types, by name.
func (s *Server) ListAuthorizationDetailTypes(ctx context.Context) ([]authcore.AuthorizationDetailType, error) {
	return s.store.ListAuthorizationDetailTypes(ctx)
}

// detailsMetadata adds authorization_details_types_supported (RFC 9396
// §10) when at least one type is registered; a store failure leaves it
// out (and is logged).
func (s *Server) detailsMetadata(ctx context.Context, m map[string]any) {
	types, err := s.store.ListAuthorizationDetailTypes(ctx)
	if err != nil {
		s.log.Error().Err(err).Msg("oauth: metadata: list authorization_details types")
		return
	}
	if len(types) == 0 {
		return
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.Type
	}
	m["authorization_details_types_supported"] = names
}
