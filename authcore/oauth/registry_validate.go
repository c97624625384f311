package oauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey/authcore"
)

// Registration limits.
const (
	maxRedirectURIs = 32
	maxNameLen      = 200
)

// validateSpec checks a ClientSpec against the registration rules and
// returns the client it describes (without id, secret or times).
func (s *Server) validateSpec(ctx context.Context, spec ClientSpec) (authcore.Client, error) {
	bad := func(format string, a ...any) error {
		return authcore.Invalid(ErrInvalidClientMetadata, format, a...)
	}
	if spec.Name == "" || len(spec.Name) > maxNameLen {
		return authcore.Client{}, bad("name is required (at most %d bytes)", maxNameLen)
	}
	c := authcore.Client{Name: spec.Name, Type: spec.Type, AuthMethod: spec.AuthMethod,
		AccessTokenTTL: spec.AccessTokenTTL, RefreshTokenTTL: spec.RefreshTokenTTL}
	if c.Type == "" {
		c.Type = authcore.Confidential
	}
	switch {
	case c.Type == authcore.Public && (c.AuthMethod == "" || c.AuthMethod == authcore.AuthNone):
		c.AuthMethod = authcore.AuthNone
	case c.Type == authcore.Public:
		return c, bad("public clients use token_endpoint_auth_method none")
	case c.Type != authcore.Confidential:
		return c, bad("type must be confidential or public")
	case c.AuthMethod == "":
		c.AuthMethod = authcore.AuthSecretBasic
	case isMTLSMethod(c.AuthMethod) && s.cfg.MTLS.Enabled: // RFC 8705 §2, mtls.go
	case c.AuthMethod != authcore.AuthSecretBasic && c.AuthMethod != authcore.AuthSecretPost &&
		c.AuthMethod != authcore.AuthPrivateKeyJWT:
		return c, bad("auth method %q is not supported for confidential clients", c.AuthMethod)
	}
	if err := validateKeySpec(&c, spec); err != nil {
		return c, err
	}
	if spec.AccessTokenTTL < 0 || spec.RefreshTokenTTL < 0 {
		return c, bad("token lifetimes must not be negative")
	}
	if len(spec.RedirectURIs) > maxRedirectURIs {
		return c, bad("at most %d redirect URIs", maxRedirectURIs)
	}
	for _, u := range spec.RedirectURIs {
		if err := validateRedirectURI(u); err != nil {
			return c, err
		}
	}
	c.RedirectURIs = dedupe(spec.RedirectURIs)
	c.GrantTypes = dedupe(spec.GrantTypes)
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken}
	}
	for _, g := range c.GrantTypes {
		switch g {
		case authcore.GrantAuthorizationCode, authcore.GrantRefreshToken, authcore.GrantDeviceCode:
		case authcore.GrantClientCredentials:
			if c.Type == authcore.Public {
				return c, bad("public clients cannot use client_credentials (OAuth 2.1 §4.2)")
			}
		case authcore.GrantCIBA:
			if c.Type == authcore.Public {
				return c, bad("public clients cannot use CIBA (CIBA Core 1.0 §4: confidential clients only)")
			}
		case authcore.GrantTokenExchange, authcore.GrantJWTBearer:
			if c.Type == authcore.Public {
				return c, bad("public clients cannot use token exchange or the JWT bearer grant")
			}
		default:
			return c, bad("grant type %q is not supported", g)
		}
	}
	if c.AllowsGrant(authcore.GrantAuthorizationCode) && len(c.RedirectURIs) == 0 {
		return c, authcore.Invalid(ErrInvalidRedirectURI, "authorization_code needs a redirect URI")
	}
	c.Scopes = dedupe(spec.Scopes)
	for _, sc := range c.Scopes {
		if _, err := s.store.GetScope(ctx, sc); errors.Is(err, authcore.ErrNotFound) {
			return c, bad("scope %q is not registered", sc)
		} else if err != nil {
			return c, fmt.Errorf("oauth: check scope: %w", err)
		}
	}
	c.Audience = dedupe(spec.Audience)
	for _, a := range c.Audience {
		if !validScopeToken(a) {
			return c, bad("audience %q is malformed", a)
		}
	}
	if err := s.validateOIDCSpec(&c, spec); err != nil {
		return c, err
	}
	if err := s.validateBindingSpec(&c, spec); err != nil { // registry_binding.go
		return c, err
	}
	if err := validateFAPISpec(&c, spec); err != nil { // fapi.go
		return c, err
	}
	if err := s.validateCIBASpec(&c, spec); err != nil { // registry_ciba.go
		return c, err
	}
	c.RequireMFA = spec.RequireMFA
	types, err := s.clientDetailTypes(ctx, spec.AuthorizationDetailsTypes) // rar_client.go
	if err != nil {
		return c, err
	}
	c.AuthorizationDetailsTypes = types
	if err := s.validatePairwiseSpec(ctx, &c, spec); err != nil { // registry_pairwise.go
		return c, err
	}
	return c, nil
}

// dedupe removes repeated values, keeping first-seen order.
func dedupe(in []string) []string {
	var out []string
	seen := make(map[string]bool, len(in))
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
