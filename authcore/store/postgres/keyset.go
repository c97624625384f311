package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// SigningKeysVersion returns the keyset's version, which a trigger on
// signing_keys bumps with every statement that writes to it (migration
// 0020), whoever writes: a node, the CLI, a restore.
func (s *Store) SigningKeysVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT version FROM keyset_version`).Scan(&v)
	return v, storeErr(err)
}

// SwapSigningKeys writes put and deletes remove if the keyset is still
// at version. The version row is locked first (SELECT ... FOR UPDATE), so
// of two nodes swapping from the same version the second waits for the
// first, then reads the version it committed and gets
// authcore.ErrConflict.
func (s *Store) SwapSigningKeys(ctx context.Context, version int64, put []authcore.SigningKey, remove []string) (int64, error) {
	for _, k := range put {
		if k.ID == "" {
			return 0, errEmptyID
		}
	}
	var now int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT version FROM keyset_version FOR UPDATE`).Scan(&now); err != nil {
			return err
		}
		if now != version {
			return callerErr{authcore.ErrConflict}
		}
		if err := s.putKeys(ctx, tx, put); err != nil {
			return err
		}
		if len(remove) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM signing_keys WHERE id = ANY($1)`, remove); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `SELECT version FROM keyset_version`).Scan(&now)
	})
	return now, err
}
