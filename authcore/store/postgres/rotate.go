package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// queryRower is what a pool and a transaction share for one row.
type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// rotate calls rotate_refresh_token (migration 0120) and returns its
// status and the old token as the function left it (status ok or
// consumed).
func rotate(ctx context.Context, q queryRower, oldHash string, next authcore.RefreshToken, at authcore.IssuedToken, now time.Time) (authcore.RefreshToken, string, error) {
	var r authcore.RefreshToken
	var status string
	var hash, grantID, clientID, userID, jkt, x5t, nextHash *string
	var rotated *bool
	var rotatedAt, exp, created *time.Time
	err := q.QueryRow(ctx, `SELECT * FROM rotate_refresh_token($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		oldHash, next.Hash, next.GrantID, next.ClientID, next.UserID, strs(next.Scopes), next.JKT, next.X5T,
		ts(next.ExpiresAt), next.CreatedAt, at.JTI, ts(at.ExpiresAt), at.Kid, now).
		Scan(&status, &hash, &grantID, &clientID, &userID, &r.Scopes, &jkt, &x5t, &rotated, &rotatedAt, &nextHash, &exp, &created)
	if err != nil || (status != "ok" && status != "consumed") {
		return r, status, err
	}
	r.Hash, r.GrantID, r.ClientID, r.UserID, r.JKT, r.X5T = deref(hash), deref(grantID), deref(clientID), deref(userID), deref(jkt), deref(x5t)
	r.Rotated, r.NextHash = rotated != nil && *rotated, deref(nextHash)
	r.RotatedAt, r.ExpiresAt, r.CreatedAt = tv(rotatedAt), tv(exp), tv(created)
	if status == "ok" {
		r.RotatedAt = now // as given, not rounded to the column's microseconds
	}
	return r, status, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
