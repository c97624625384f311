package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// deletedClientRevocation is how long the revocation of a deleted
// client's access tokens is kept: the longest access-token lifetime the
// policy allows.
const deletedClientRevocation = 24 * time.Hour

// revokeGrantsOf revokes every access token of a client that was just
// deleted (authcore.ClientRevocationJTI) and every grant it had, so its
// tokens stop working at every gateway too (the embedded one and, through
// the revocation feed, standalone ones and the other nodes'), not only
// its client authentication. It runs after the delete, so no new token
// or grant can appear behind it.
func (s *Server) revokeGrantsOf(ctx context.Context, clientID string) error {
	now := s.now()
	err := s.store.RevokeAccessToken(ctx, authcore.Revocation{JTI: authcore.ClientRevocationJTI(clientID),
		ExpiresAt: now.Add(deletedClientRevocation), RevokedAt: now})
	if err != nil {
		return fmt.Errorf("oauth: revoke the deleted client's tokens: %w", err)
	}
	gs, err := s.store.ListGrants(ctx)
	if err != nil {
		return fmt.Errorf("oauth: revoke the deleted client's grants: %w", err)
	}
	for _, g := range gs {
		if g.ClientID != clientID || g.Revoked {
			continue
		}
		err := s.store.RevokeGrant(ctx, g.ID, "client deleted", now)
		if err != nil && !errors.Is(err, authcore.ErrNotFound) {
			return fmt.Errorf("oauth: revoke the deleted client's grants: %w", err)
		}
	}
	return nil
}
