package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

const rtCols = `hash, grant_id, client_id, user_id, scopes, jkt, x5t, rotated, rotated_at, next_hash, expires_at, created_at`

var errSameHash = errors.New("postgres: a refresh token cannot succeed itself")

func scanRT(row pgx.Row) (authcore.RefreshToken, error) { return scanRTWith(row) }

// scanRTWith reads rtCols into a refresh token, and the columns after
// them into more.
func scanRTWith(row pgx.Row, more ...any) (authcore.RefreshToken, error) {
	var r authcore.RefreshToken
	var rotatedAt, exp *time.Time
	var next *string
	dest := append([]any{&r.Hash, &r.GrantID, &r.ClientID, &r.UserID, &r.Scopes, &r.JKT, &r.X5T,
		&r.Rotated, &rotatedAt, &next, &exp, &r.CreatedAt}, more...)
	if err := row.Scan(dest...); err != nil {
		return r, storeErr(err)
	}
	r.RotatedAt, r.ExpiresAt = tv(rotatedAt), tv(exp)
	if next != nil {
		r.NextHash = *next
	}
	return r, nil
}

// insertRT stores a new, unrotated refresh token; an existing hash is
// authcore.ErrAlreadyExists and an unknown grant authcore.ErrNotFound
// (the constraints decide).
func insertRT(ctx context.Context, tx pgx.Tx, rt authcore.RefreshToken) error {
	_, err := tx.Exec(ctx, `INSERT INTO refresh_tokens (hash, grant_id, client_id, user_id, scopes, jkt, x5t, expires_at, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		rt.Hash, rt.GrantID, rt.ClientID, rt.UserID, strs(rt.Scopes), rt.JKT, rt.X5T, ts(rt.ExpiresAt), rt.CreatedAt)
	return err
}

// GetRefreshToken returns the refresh token with that hash, rotated or
// not, or authcore.ErrNotFound if it is unknown, expired by the store's
// clock, or its grant was revoked (revocation deletes the family).
func (s *Store) GetRefreshToken(ctx context.Context, hash string) (authcore.RefreshToken, error) {
	return scanRT(s.pool.QueryRow(ctx, `SELECT `+rtCols+` FROM refresh_tokens WHERE hash = $1 AND `+live(2), hash, s.now()))
}

// RotateRefreshToken marks the token at oldHash rotated, stores next as
// its successor and records at (if its JTI is set) on the grant, in one
// statement: rotateSQL (rotate.go), committed with the rotations that
// arrived while others were committing (rotations.go), one round trip
// and one commit for all of them (a second read when the token was
// rotated already). It takes the grant's row lock in share mode
// (a revocation of the family waits for it, and it for a revocation),
// then the old token's row lock: of concurrent rotations exactly one
// finds the token unrotated; the others wait for its commit, then read it
// rotated and get it with authcore.ErrConsumed, as does any later caller
// (reuse). A token unknown or expired at now, or whose grant is revoked
// or expired, is authcore.ErrNotFound. An empty next.GrantID is set to
// the old token's.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, next authcore.RefreshToken, at authcore.IssuedToken, now time.Time) (authcore.RefreshToken, error) {
	if next.Hash == "" {
		return authcore.RefreshToken{}, errEmptyID
	}
	if next.Hash == oldHash {
		return authcore.RefreshToken{}, errSameHash
	}
	r := &rotation{ctx: ctx, oldHash: oldHash, next: next, at: at, now: now}
	s.rotations.rotate(r) // rotations.go: with the others waiting, in one commit
	old, status, err := r.old, r.status, r.err
	switch {
	case err != nil:
		return authcore.RefreshToken{}, err
	case status == "ok":
		return old, nil
	case status == "consumed":
		return old, authcore.ErrConsumed
	case status == "wrong_grant":
		return authcore.RefreshToken{}, authcore.ErrWrongGrant
	}
	return authcore.RefreshToken{}, authcore.ErrNotFound
}
