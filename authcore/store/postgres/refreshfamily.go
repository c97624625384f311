package postgres

import (
	"context"

	"github.com/latchkey/latchkey/authcore"
)

// familySQL selects refresh token $1, unexpired at $2, with its grant
// if that is unexpired at $2 (NULLs otherwise), without the grant's
// access tokens: a refresh never needs them (see
// authcore.RefreshFamilies), and aggregating a family's grant_tokens rows
// was the larger part of the statement. One statement, so one snapshot
// and one executor start (it was two pipelined statements: PostgreSQL's
// start-up of each was a tenth of its CPU per refresh).
// The token's columns are rtCols (scanRTWith), named through t.
const familySQL = `SELECT t.hash, t.grant_id, t.client_id, t.user_id, t.scopes, t.jkt, t.x5t, t.rotated, t.rotated_at,
		t.next_hash, t.expires_at, t.created_at,
		g.id, g.client_id, g.user_id, g.doc, g.revoked, g.revoked_at, g.revoked_reason, g.expires_at, g.created_at
	FROM refresh_tokens t
	LEFT JOIN grants g ON g.id = t.grant_id AND (g.expires_at IS NULL OR g.expires_at > $2)
	WHERE t.hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)`

// GetRefreshFamily returns the refresh token with that hash and its grant
// (nil if the grant is unknown or expired) in one statement (familySQL;
// see authcore.RefreshFamilies), sent with the reads that arrived while
// others were on their way (familyreads.go). A refresh reads both every
// time.
func (s *Store) GetRefreshFamily(ctx context.Context, hash string) (authcore.RefreshToken, *authcore.Grant, error) {
	return s.reads.read(&familyRead{ctx: ctx, hash: hash, now: s.now()})
}
