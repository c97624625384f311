package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// PutPasskeyChallenge stores c until c.ExpiresAt, replacing any
// challenge with the same ID.
func (s *Store) PutPasskeyChallenge(ctx context.Context, c authcore.PasskeyChallenge) error {
	if c.ID == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO passkey_challenges (id, state, expires_at) VALUES ($1,$2,$3)
		ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, expires_at = EXCLUDED.expires_at`, c.ID, c.State, c.ExpiresAt)
	return err
}

// TakePasskeyChallenge deletes the challenge id and returns it if it was
// still live; the DELETE makes exactly one caller get it.
func (s *Store) TakePasskeyChallenge(ctx context.Context, id string) (authcore.PasskeyChallenge, error) {
	c := authcore.PasskeyChallenge{ID: id}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `DELETE FROM passkey_challenges WHERE id = $1 RETURNING state, expires_at`, id).Scan(&c.State, &c.ExpiresAt)
	})
	if err == nil && expired(c.ExpiresAt, s.now()) {
		err = authcore.ErrNotFound
	}
	if err != nil {
		return authcore.PasskeyChallenge{}, storeErr(err)
	}
	return c, nil
}
