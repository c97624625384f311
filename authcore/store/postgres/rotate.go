package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// oldGrant is the grant of the token being rotated ($1), for statements
// of the rotation batch that cannot wait for the first one's answer.
const oldGrant = `(SELECT grant_id FROM refresh_tokens WHERE hash = $1)`

// rotate is RotateRefreshToken's transaction: every statement goes in
// one pipelined batch, in the order the locks must be taken (the grant in
// share mode, then the old token's row), and the answers are checked
// after it; any refusal returns an error, so the transaction rolls back
// whatever the batch wrote. A rotated old token is returned with
// authcore.ErrConsumed.
func rotate(ctx context.Context, tx pgx.Tx, oldHash string, next authcore.RefreshToken, at authcore.IssuedToken, now time.Time) (authcore.RefreshToken, error) {
	var b pgx.Batch
	b.Queue(`SELECT `+grantCols+` FROM grants WHERE id = `+oldGrant+` FOR SHARE`, oldHash)
	b.Queue(`INSERT INTO refresh_tokens (hash, grant_id, client_id, user_id, scopes, jkt, x5t, expires_at, created_at)
		SELECT $2, grant_id, $3, $4, $5, $6, $7, $8, $9 FROM refresh_tokens WHERE hash = $1`,
		oldHash, next.Hash, next.ClientID, next.UserID, strs(next.Scopes), next.JKT, next.X5T, ts(next.ExpiresAt), next.CreatedAt)
	b.Queue(`UPDATE refresh_tokens SET rotated = true, rotated_at = $2, next_hash = $3
		WHERE hash = $1 AND NOT rotated AND `+live(2)+` RETURNING `+rtCols, oldHash, now, next.Hash)
	if at.JTI != "" { // addAccess
		b.Queue(`DELETE FROM grant_tokens WHERE grant_id = `+oldGrant+` AND expires_at <= $2`, oldHash, now)
		b.Queue(`INSERT INTO grant_tokens (grant_id, jti, expires_at, kid) SELECT grant_id, $2, $3, $4 FROM refresh_tokens WHERE hash = $1`,
			oldHash, at.JTI, ts(at.ExpiresAt), at.Kid)
	}
	br := tx.SendBatch(ctx, &b)
	g, gerr := scanGrant(br.QueryRow())
	_, ierr := br.Exec()
	old, uerr := scanRT(br.QueryRow())
	var aerr error
	if at.JTI != "" {
		_, aerr = br.Exec()
		if _, err := br.Exec(); aerr == nil {
			aerr = err
		}
	}
	cerr := br.Close()
	if retryable(cerr) {
		return old, cerr // a deadlock: tx runs the batch again
	}
	switch {
	case gerr != nil: // also an unknown old token: no grant found
		return old, gerr
	case g.Revoked || expired(g.ExpiresAt, now):
		return old, authcore.ErrNotFound
	}
	if _, err := next.InGrant(g.ID); err != nil {
		return old, err
	}
	for _, err := range []error{ierr, uerr, aerr, cerr} {
		if err != nil && !errors.Is(err, authcore.ErrNotFound) {
			return old, err
		}
	}
	if uerr != nil { // nothing to mark
		return consumedOrGone(ctx, tx, oldHash, now)
	}
	old.RotatedAt = now
	return old, nil
}

// consumedOrGone explains a rotation that marked nothing: the old token
// was rotated already (returned with authcore.ErrConsumed), or it expired
// (authcore.ErrNotFound).
func consumedOrGone(ctx context.Context, tx pgx.Tx, oldHash string, now time.Time) (authcore.RefreshToken, error) {
	old, err := scanRT(tx.QueryRow(ctx, `SELECT `+rtCols+` FROM refresh_tokens WHERE hash = $1`, oldHash))
	switch {
	case err != nil:
		return old, err
	case expired(old.ExpiresAt, now) || !old.Rotated:
		return old, authcore.ErrNotFound
	}
	return old, authcore.ErrConsumed
}
