package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// UseOnce records (kind, id) as used until expiresAt (authcore.Nonces).
// It is one INSERT ... ON CONFLICT DO UPDATE that replaces only a record
// expired at the store's clock: of concurrent callers the first inserts
// (or takes over a dead record) and the others, waiting on its row lock,
// find a live record, change nothing and get authcore.ErrConsumed.
func (s *Store) UseOnce(ctx context.Context, kind, id string, expiresAt time.Time) error {
	if kind == "" || id == "" {
		return errEmptyID
	}
	now := s.now()
	if !now.Before(expiresAt) {
		return authcore.ErrConsumed
	}
	var won bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO nonces (kind, id, expires_at, used_at) VALUES ($1,$2,$3,$4)
			ON CONFLICT (kind, id) DO UPDATE SET expires_at = EXCLUDED.expires_at, used_at = EXCLUDED.used_at
			WHERE nonces.expires_at <= EXCLUDED.used_at`, kind, id, expiresAt, now)
		won = tag.RowsAffected() == 1
		return err
	})
	switch {
	case err == authcore.ErrConflict:
		// Every attempt lost to another writer of this very value:
		// someone else used it. Fail closed.
		return authcore.ErrConsumed
	case err != nil:
		return err
	case !won:
		return authcore.ErrConsumed
	}
	return nil
}
