package oauth

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/authcore"
)

// subjectOf is the sub client c sees for the local user userID: the user
// id, or for a pairwise client its pairwise identifier (OIDC Core §8.1).
// Access tokens carry the same sub as the client's ID tokens: they go to
// the client and the resource servers it calls, so the local id must not
// reach them either.
func (s *Server) subjectOf(c authcore.Client, userID string) string {
	return s.subjects.For(c, userID)
}

// Subject is the sub client c sees for the local user userID (for the
// console and the admin API).
func (s *Server) Subject(c authcore.Client, userID string) string { return s.subjectOf(c, userID) }

// withGrant names the grant of a pairwise client's access token
// (grant_id), so that the server finds the local user behind its sub
// (userinfo, token exchange) without the token revealing it. Access
// tokens of public clients stay as they were.
func withGrant(c authcore.Client, grantID string) func(*accessClaims) {
	return func(ac *accessClaims) {
		if c.Pairwise() {
			ac.GrantID = grantID
		}
	}
}

// localSubject is the local user behind an access token's sub, issued to
// the client clientID (c when it is c) under grantID; ok is false when
// the sub names no user this server knows (a token of a deleted client,
// a pairwise sub that maps to nobody). A client_credentials token's sub
// is its client and is returned as it is.
func (s *Server) localSubject(ctx context.Context, c authcore.Client, clientID, sub, grantID string) (string, bool, error) {
	if sub == clientID {
		return sub, true, nil
	}
	owner := c
	if clientID != c.ID {
		var err error
		if owner, err = s.store.GetClient(ctx, clientID); errors.Is(err, authcore.ErrNotFound) {
			return "", false, nil
		} else if err != nil {
			return "", false, err
		}
	}
	local, err := s.subjects.Local(ctx, s.store, owner, sub, grantID)
	if errors.Is(err, authcore.ErrNotFound) {
		return "", false, nil
	}
	return local, err == nil, err
}
