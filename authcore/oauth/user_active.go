package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// userActive refuses tokens for a user who was disabled or removed after
// approving a device code, a backchannel request or an authorization
// whose code is not yet redeemed: disabling shuts the account everywhere,
// not only at the sign-in page. code is the error the grant's RFC gives
// for a refusal (access_denied for the polling grants, invalid_grant for
// a code).
func (s *Server) userActive(ctx context.Context, userID, code string) error {
	u, err := s.store.GetUser(ctx, userID)
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return newError(code, http.StatusBadRequest, "the user's account is no longer active")
	case err != nil:
		return unavailable(err)
	case u.Disabled:
		return newError(code, http.StatusBadRequest, "the user's account is no longer active")
	}
	return nil
}
