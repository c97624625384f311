package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

var errEmptyJTI = errors.New("postgres: revocation has an empty jti")

// RevokeAccessToken records r.JTI as revoked until r.ExpiresAt (for ever
// if that is zero). Revoking twice keeps the later expiry.
func (s *Store) RevokeAccessToken(ctx context.Context, r authcore.Revocation) error {
	if r.JTI == "" {
		return errEmptyJTI
	}
	return s.tx(ctx, func(tx pgx.Tx) error { return revoke(ctx, tx, r) })
}

func revoke(ctx context.Context, tx pgx.Tx, r authcore.Revocation) error {
	_, err := tx.Exec(ctx, `INSERT INTO revocations (jti, expires_at, revoked_at) VALUES ($1,$2,$3)
		ON CONFLICT (jti) DO UPDATE SET expires_at = CASE
			WHEN revocations.expires_at IS NULL OR EXCLUDED.expires_at IS NULL THEN NULL
			ELSE greatest(revocations.expires_at, EXCLUDED.expires_at) END`,
		r.JTI, ts(r.ExpiresAt), ts(r.RevokedAt))
	return err
}

// IsRevoked reports whether the access token jti was revoked. It is one
// primary-key lookup. A revocation whose token has expired may answer
// true until it is collected, which fails closed.
func (s *Store) IsRevoked(ctx context.Context, jti string) (bool, error) {
	var revoked bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM revocations WHERE jti = $1)`, jti).Scan(&revoked)
	return revoked, storeErr(err)
}

// ListRevocations returns the revocations whose token has not expired at
// now, ordered by jti.
func (s *Store) ListRevocations(ctx context.Context, now time.Time) ([]authcore.Revocation, error) {
	return list(ctx, s, `SELECT jti, expires_at, revoked_at FROM revocations WHERE `+live(1)+` ORDER BY jti`, []any{now}, scanRevocation)
}

func scanRevocation(row pgx.Row) (authcore.Revocation, error) {
	var r authcore.Revocation
	var exp, at *time.Time
	err := row.Scan(&r.JTI, &exp, &at)
	r.ExpiresAt, r.RevokedAt = tv(exp), tv(at)
	return r, storeErr(err)
}
