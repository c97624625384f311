package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// maxUsernameLen bounds provisioned usernames.
const maxUsernameLen = 64

// identity maps a verified token to its linked local user.
func (s *Service) identity(ctx context.Context, v *verified) (authcore.ExternalIdentity, error) {
	u, err := s.linkedUser(ctx, v)
	if err != nil {
		return authcore.ExternalIdentity{}, err
	}
	c, m := v.claims, v.p.Claims
	id := authcore.ExternalIdentity{
		ProviderID: v.p.ID, Issuer: v.p.Issuer, Subject: v.sub, UserID: u.ID,
		Scopes: v.p.Scopes, Resources: v.p.Resources,
		Email: stringClaim(c, claimName(m.Email, "email")), Name: stringClaim(c, claimName(m.Name, "name")),
		Groups: stringsClaim(c[claimName(m.Groups, "groups")]),
		ACR:    stringClaim(c, "acr"), AMR: stringsClaim(c["amr"]),
		TokenID: v.id, ExpiresAt: v.exp,
	}
	if at, ok := numericDate(c["auth_time"]); ok {
		id.AuthTime = at
	}
	return id, nil
}

// linkedUser returns the local user linked to (iss, sub), creating it
// with its link when the provider provisions. Linking is by (iss, sub)
// only: an email address, verified or not, never selects an existing
// local user (no account merging).
func (s *Service) linkedUser(ctx context.Context, v *verified) (authcore.User, error) {
	for attempt := 0; attempt < 2; attempt++ {
		l, err := s.store.GetFederatedLink(ctx, v.p.Issuer, v.sub)
		switch {
		case err == nil:
			u, err := s.store.GetUser(ctx, l.UserID)
			if errors.Is(err, authcore.ErrNotFound) {
				return authcore.User{}, refuse(ReasonNotProvisioned, errors.New("federation: linked user is gone"))
			} else if err != nil {
				return authcore.User{}, unavailable(ReasonStorage, err)
			}
			if u.Disabled {
				return authcore.User{}, refuse(ReasonUserDisabled, nil)
			}
			return u, nil
		case !errors.Is(err, authcore.ErrNotFound):
			return authcore.User{}, unavailable(ReasonStorage, err)
		case v.p.Provisioning != authcore.ProvisionCreate:
			return authcore.User{}, refuse(ReasonNotProvisioned, nil)
		}
		u, err := s.provision(ctx, v)
		if errors.Is(err, authcore.ErrAlreadyExists) {
			continue // a concurrent first use linked it: read the winner's
		}
		return u, err
	}
	return authcore.User{}, unavailable(ReasonStorage, authcore.ErrConflict)
}

// provision creates a local user linked to (iss, sub). Its email is kept
// only when the provider says it is verified (OIDC Core §5.1,
// email_verified); it is informational and never used to link.
func (s *Service) provision(ctx context.Context, v *verified) (authcore.User, error) {
	rnd, err := s.random(16)
	if err != nil {
		return authcore.User{}, unavailable(ReasonStorage, err)
	}
	now := s.now()
	c, m := v.claims, v.p.Claims
	u := authcore.User{ID: hex.EncodeToString(rnd), Username: username(v.p.ID, v.sub),
		DisplayName: stringClaim(c, claimName(m.Name, "name")), CreatedAt: now, UpdatedAt: now}
	if verified, _ := c["email_verified"].(bool); verified {
		u.Email = stringClaim(c, claimName(m.Email, "email"))
	}
	l := authcore.FederatedLink{Issuer: v.p.Issuer, Subject: v.sub, UserID: u.ID, ProviderID: v.p.ID, CreatedAt: now}
	if err := s.store.CreateFederatedLink(ctx, l, &u); err != nil {
		if errors.Is(err, authcore.ErrAlreadyExists) {
			return authcore.User{}, err
		}
		return authcore.User{}, unavailable(ReasonStorage, err)
	}
	s.record(ctx, audit.Event{Type: audit.UserCreated, Subject: u.ID, Reason: "federation",
		Details: map[string]any{"idp": v.p.ID, "username": u.Username}})
	return u, nil
}

// username is the provisioned user's username: "<provider>:<sub>", or a
// hash of sub when that would be too long or hold odd characters.
func username(providerID, sub string) string {
	name := providerID + ":" + sub
	ok := len(name) <= maxUsernameLen
	for i := 0; ok && i < len(sub); i++ {
		c := sub[i]
		ok = c > 0x20 && c < 0x7f
	}
	if ok {
		return name
	}
	sum := sha256.Sum256([]byte(sub))
	return fmt.Sprintf("%s:%s", providerID, hex.EncodeToString(sum[:12]))
}
