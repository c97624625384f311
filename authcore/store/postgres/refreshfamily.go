package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// familyGrantSQL selects the grant of refresh token $1, unexpired at $2,
// without its access tokens: a refresh never needs them (see
// authcore.RefreshFamilies), and aggregating a family's grant_tokens rows
// was the larger part of the statement.
const familyGrantSQL = `SELECT ` + grantCols + ` FROM grants WHERE id = (SELECT r.grant_id FROM refresh_tokens r WHERE r.hash = $1)
		AND (grants.expires_at IS NULL OR grants.expires_at > $2)`

// GetRefreshFamily returns the refresh token with that hash and its grant
// (nil if the grant is unknown or expired) in one round trip: both
// statements go in one pipelined batch, one implicit transaction (see
// authcore.RefreshFamilies). A refresh reads both every time.
func (s *Store) GetRefreshFamily(ctx context.Context, hash string) (authcore.RefreshToken, *authcore.Grant, error) {
	now := s.now()
	var b pgx.Batch
	b.Queue(`SELECT `+rtCols+` FROM refresh_tokens WHERE hash = $1 AND `+live(2), hash, now)
	b.Queue(familyGrantSQL, hash, now)
	br := s.pool.SendBatch(ctx, &b)
	defer br.Close()
	rt, err := scanRT(br.QueryRow())
	if err != nil {
		return rt, nil, err
	}
	g, err := scanGrant(br.QueryRow())
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return rt, nil, nil
	case err != nil:
		return authcore.RefreshToken{}, nil, err
	case g.ID != rt.GrantID: // cannot happen: a token never changes grant
		return authcore.RefreshToken{}, nil, errors.New("postgres: refresh family: grant of another token")
	}
	return rt, &g, nil
}
