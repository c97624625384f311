package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/jwkset"
)

// providerID is the shape of an IdentityProvider.ID: a slug safe in
// URLs, usernames and the CLI.
var providerID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// AddProvider validates p, fills its defaults (display name, claim
// mapping, provisioning refuse) and stores it. The secret is never
// audited or logged.
func (s *Service) AddProvider(ctx context.Context, p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
	now := s.now()
	p.CreatedAt, p.UpdatedAt = now, now
	if err := normalize(&p); err != nil {
		return authcore.IdentityProvider{}, err
	}
	if err := s.store.CreateIdentityProvider(ctx, p); err != nil {
		return authcore.IdentityProvider{}, fmt.Errorf("federation: add provider: %w", err)
	}
	s.changed(ctx, "idp.created", p)
	return p, nil
}

// UpdateProvider applies fn to provider id, validates the result and
// stores it; the provider's cached discovery and keys are dropped.
func (s *Service) UpdateProvider(ctx context.Context, id string, fn func(authcore.IdentityProvider) (authcore.IdentityProvider, error)) (authcore.IdentityProvider, error) {
	var out, old authcore.IdentityProvider
	err := s.store.UpdateIdentityProvider(ctx, id, func(p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		old = p
		q, err := fn(p)
		if err != nil {
			return q, err
		}
		q.ID, q.CreatedAt, q.UpdatedAt = p.ID, p.CreatedAt, s.now()
		if err := normalize(&q); err != nil {
			return q, err
		}
		out = q
		return q, nil
	})
	if err != nil {
		return authcore.IdentityProvider{}, fmt.Errorf("federation: update provider: %w", err)
	}
	s.forget(old.Issuer)
	s.changed(ctx, "idp.updated", out)
	return out, nil
}

// RemoveProvider deletes provider id. Links of its users stay, so
// registering the issuer again finds the same local users.
func (s *Service) RemoveProvider(ctx context.Context, id string) error {
	p, err := s.store.GetIdentityProvider(ctx, id)
	if err != nil {
		return fmt.Errorf("federation: remove provider: %w", err)
	}
	if err := s.store.DeleteIdentityProvider(ctx, id); err != nil {
		return fmt.Errorf("federation: remove provider: %w", err)
	}
	s.forget(p.Issuer)
	s.changed(ctx, "idp.removed", p)
	return nil
}

// Provider returns provider id (with its secret: callers that show it
// must redact it).
func (s *Service) Provider(ctx context.Context, id string) (authcore.IdentityProvider, error) {
	return s.store.GetIdentityProvider(ctx, id)
}

// Providers returns every provider, ordered by ID.
func (s *Service) Providers(ctx context.Context) ([]authcore.IdentityProvider, error) {
	return s.store.ListIdentityProviders(ctx)
}

// EnabledProviders returns the enabled providers that brokered login can
// use (those with a client id), for the login page's buttons. A store
// failure gives none (and is logged).
func (s *Service) EnabledProviders(ctx context.Context) []authcore.IdentityProvider {
	all, err := s.store.ListIdentityProviders(ctx)
	if err != nil {
		s.log.Error().Err(err).Msg("federation: list providers")
		return nil
	}
	var out []authcore.IdentityProvider
	for _, p := range all {
		if p.Enabled && p.ClientID != "" && s.cfg.Sessions != nil {
			p.ClientSecret = ""
			out = append(out, p)
		}
	}
	return out
}

// changed audits an administrative change, without the secret.
func (s *Service) changed(ctx context.Context, what string, p authcore.IdentityProvider) {
	s.record(ctx, audit.Event{Type: audit.AdminAction, Reason: what,
		Details: map[string]any{"idp": p.ID, "issuer": p.Issuer, "enabled": p.Enabled}})
}

// normalize validates p and fills its defaults.
func normalize(p *authcore.IdentityProvider) error {
	bad := func(format string, a ...any) error {
		return authcore.Invalid(ErrInvalidProvider, format, a...)
	}
	if !providerID.MatchString(p.ID) {
		return bad("id must be 1-32 lowercase letters, digits or '-'")
	}
	if err := checkIssuer(p.Issuer); err != nil {
		return bad("%v", err)
	}
	if p.DisplayName == "" {
		u, _ := url.Parse(p.Issuer)
		p.DisplayName = u.Host
	}
	for _, a := range p.Algorithms {
		if !jwkset.Allowed(a) {
			return bad("algorithm %q is not allowed (RS256, ES256, PS256, EdDSA only)", a)
		}
	}
	switch p.Provisioning {
	case "":
		p.Provisioning = authcore.ProvisionRefuse
	case authcore.ProvisionCreate, authcore.ProvisionRefuse:
	default:
		return bad("provisioning must be %q or %q", authcore.ProvisionCreate, authcore.ProvisionRefuse)
	}
	if len(p.Audiences) == 0 && p.ClientID == "" {
		return bad("at least one accepted audience or a client id is required")
	}
	if p.ClientSecret != "" && p.ClientID == "" {
		return bad("a client secret needs a client id")
	}
	for _, l := range [][]string{p.Audiences, p.Scopes, p.Resources, p.Algorithms} {
		if slices.Contains(l, "") {
			return bad("empty list entry")
		}
	}
	return nil
}

// checkIssuer requires an https URL (http only on loopback, for
// development) without query, fragment or userinfo (OIDC Discovery §2).
func checkIssuer(iss string) error {
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(iss, "?#") {
		return errors.New("issuer must be an https URL without query or fragment")
	}
	switch h := u.Hostname(); {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (h == "127.0.0.1" || h == "::1" || h == "localhost"):
		return nil
	}
	return errors.New("issuer must be https (http only on loopback)")
}
