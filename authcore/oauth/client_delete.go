package oauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey/authcore"
)

// revokeGrantsOf revokes every grant of a client that was just deleted,
// so its access tokens stop working at every gateway too (the embedded
// one and, through the revocation feed, standalone ones and the other
// nodes'), not only its client authentication. It runs after the delete,
// so no new grant can appear behind it.
func (s *Server) revokeGrantsOf(ctx context.Context, clientID string) error {
	gs, err := s.store.ListGrants(ctx)
	if err != nil {
		return fmt.Errorf("oauth: revoke the deleted client's grants: %w", err)
	}
	for _, g := range gs {
		if g.ClientID != clientID || g.Revoked {
			continue
		}
		err := s.store.RevokeGrant(ctx, g.ID, "client deleted", s.now())
		if err != nil && !errors.Is(err, authcore.ErrNotFound) {
			return fmt.Errorf("oauth: revoke the deleted client's grants: %w", err)
		}
	}
	return nil
}
