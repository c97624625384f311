package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// queryRower is what a pool and a transaction share for one row.
type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// rotateSQL is a rotation in one statement (data-modifying CTEs), so
// that it costs one round trip, one plan and one commit; it replaced
// the PL/pgSQL function rotate_refresh_token of migration 0120, whose
// five statements each paid PostgreSQL's executor start-up (issue 19).
// The locks come in the function's order: the grant's row in share mode
// first (g: a revocation of the family waits for it, and it for a
// revocation), then the old token's row, which the UPDATE marks rotated
// only if it is not yet, joined with g so it runs after g's lock. Of
// concurrent rotations exactly one updates the row; the others wait for
// its commit and, re-checking the row (READ COMMITTED), update nothing.
// The successor and the access token are written only with o's row.
const rotateSQL = `WITH g AS (
		SELECT id, NOT revoked AND (expires_at IS NULL OR expires_at > $14) AS live FROM grants
		WHERE id = (SELECT t.grant_id FROM refresh_tokens t WHERE t.hash = $1) FOR SHARE),
	o AS (
		UPDATE refresh_tokens t SET rotated = true, rotated_at = $14, next_hash = $2
		FROM g WHERE g.live AND ($3 = '' OR $3 = g.id)
			AND t.hash = $1 AND NOT t.rotated AND (t.expires_at IS NULL OR t.expires_at > $14)
		RETURNING t.hash, t.grant_id, t.client_id, t.user_id, t.scopes, t.jkt, t.x5t, t.rotated, t.rotated_at,
			t.next_hash, t.expires_at, t.created_at),
	n AS (
		INSERT INTO refresh_tokens (hash, grant_id, client_id, user_id, scopes, jkt, x5t, expires_at, created_at)
		SELECT $2, o.grant_id, $4, $5, $6, $7, $8, $9, $10 FROM o),
	d AS (
		DELETE FROM grant_tokens x USING o WHERE $11 <> '' AND x.grant_id = o.grant_id AND x.expires_at <= $14),
	a AS (
		INSERT INTO grant_tokens (grant_id, jti, expires_at, kid) SELECT o.grant_id, $11, $12, $13 FROM o WHERE $11 <> '')
	SELECT g.id, coalesce(g.live, false), o.hash, o.grant_id, o.client_id, o.user_id, o.scopes, o.jkt, o.x5t,
		o.rotated, o.rotated_at, o.next_hash, o.expires_at, o.created_at
	FROM (SELECT 1) AS one LEFT JOIN g ON true LEFT JOIN o ON true`

// rotate runs rotateSQL and returns the rotation's status and the old
// token: "ok" (rotated now; the row as updated), "consumed" (rotated
// already; the row as stored), "not_found" (unknown or expired token,
// revoked or expired grant) or "wrong_grant" (next names another grant).
// Nothing is written unless it is ok. When the token was not rotated by
// this call, a second statement reads it with a new snapshot, which
// sees the rotation a concurrent caller committed while this one waited.
func rotate(ctx context.Context, q queryRower, oldHash string, next authcore.RefreshToken, at authcore.IssuedToken, now time.Time) (authcore.RefreshToken, string, error) {
	var row rotateRow
	if err := row.scan(q.QueryRow(ctx, rotateSQL, rotateArgs(oldHash, next, at, now)...)); err != nil {
		return authcore.RefreshToken{}, "", err
	}
	r, status, err := row.result(next, now)
	if err == nil && status == "" {
		return consumed(ctx, q, oldHash, now)
	}
	return r, status, err
}

// rotateArgs are rotateSQL's parameters.
func rotateArgs(oldHash string, next authcore.RefreshToken, at authcore.IssuedToken, now time.Time) []any {
	return []any{oldHash, next.Hash, next.GrantID, next.ClientID, next.UserID, strs(next.Scopes), next.JKT, next.X5T,
		ts(next.ExpiresAt), next.CreatedAt, at.JTI, ts(at.ExpiresAt), at.Kid, now}
}

// rotateRow is rotateSQL's one row.
type rotateRow struct {
	grant, hash, grantID, clientID, userID, jkt, x5t, nextHash *string
	live                                                       bool
	rotated                                                    *bool
	rotatedAt, exp, created                                    *time.Time
	scopes                                                     []string
}

func (w *rotateRow) scan(row pgx.Row) error { return row.Scan(w.dest()...) }

// dest are the row's columns to scan into.
func (w *rotateRow) dest() []any {
	return []any{&w.grant, &w.live, &w.hash, &w.grantID, &w.clientID, &w.userID, &w.scopes, &w.jkt, &w.x5t,
		&w.rotated, &w.rotatedAt, &w.nextHash, &w.exp, &w.created}
}

// result is rotate's answer from the row of the rotation of next: status
// "" when the token was not rotated by it and must be read again
// (consumed).
func (w *rotateRow) result(next authcore.RefreshToken, now time.Time) (authcore.RefreshToken, string, error) {
	switch {
	case w.grant == nil || !w.live:
		return authcore.RefreshToken{}, "not_found", nil
	case next.GrantID != "" && next.GrantID != *w.grant:
		return authcore.RefreshToken{}, "wrong_grant", nil
	case w.hash == nil:
		return authcore.RefreshToken{}, "", nil
	}
	r := authcore.RefreshToken{Scopes: w.scopes}
	r.Hash, r.GrantID, r.ClientID, r.UserID, r.JKT, r.X5T = deref(w.hash), deref(w.grantID), deref(w.clientID), deref(w.userID), deref(w.jkt), deref(w.x5t)
	r.Rotated, r.NextHash = w.rotated != nil && *w.rotated, deref(w.nextHash)
	r.ExpiresAt, r.CreatedAt = tv(w.exp), tv(w.created)
	r.RotatedAt = now // as given, not rounded to the column's microseconds
	return r, "ok", nil
}

// consumed reads the token a rotation did not rotate: "consumed" with
// the row if it is rotated and not expired at now, else "not_found".
func consumed(ctx context.Context, q queryRower, hash string, now time.Time) (authcore.RefreshToken, string, error) {
	r, err := scanRT(q.QueryRow(ctx, `SELECT `+rtCols+` FROM refresh_tokens WHERE hash = $1`, hash))
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return r, "not_found", nil
	case err != nil:
		return r, "", err
	case !r.Rotated || (!r.ExpiresAt.IsZero() && !r.ExpiresAt.After(now)):
		return authcore.RefreshToken{}, "not_found", nil
	}
	return r, "consumed", nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
