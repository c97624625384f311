package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

const keyCols = `id, algorithm, state, private_key, created_at, activated_at, retired_at, remove_after, revoked_at, revoked_why`

// keyArgs are k's columns, its private key sealed with the
// data-encryption key and bound to its ID.
func (s *Store) keyArgs(k authcore.SigningKey) []any {
	return []any{k.ID, k.Algorithm, string(k.State), s.aead.seal(k.PrivateDER, "signing_keys/"+k.ID),
		ts(k.CreatedAt), ts(k.ActivatedAt), ts(k.RetiredAt), ts(k.RemoveAfter), ts(k.RevokedAt), k.RevokedWhy}
}

func (s *Store) scanKey(row pgx.Row) (authcore.SigningKey, error) {
	var k authcore.SigningKey
	var state string
	var sealed []byte
	var created, activated, retired, removeAfter, revoked *time.Time
	if err := row.Scan(&k.ID, &k.Algorithm, &state, &sealed, &created, &activated, &retired, &removeAfter, &revoked, &k.RevokedWhy); err != nil {
		return k, storeErr(err)
	}
	der, err := s.aead.open(sealed, "signing_keys/"+k.ID)
	if err != nil {
		return k, err
	}
	k.State, k.PrivateDER = authcore.KeyState(state), der
	k.CreatedAt, k.ActivatedAt, k.RetiredAt, k.RemoveAfter, k.RevokedAt = tv(created), tv(activated), tv(retired), tv(removeAfter), tv(revoked)
	return k, nil
}

// ListSigningKeys returns every signing key, oldest first, its private
// key decrypted.
func (s *Store) ListSigningKeys(ctx context.Context) ([]authcore.SigningKey, error) {
	return list(ctx, s, `SELECT `+keyCols+` FROM signing_keys ORDER BY created_at NULLS FIRST, id`, nil, s.scanKey)
}

// PutSigningKeys writes every key (creating or replacing it) in one
// transaction, so a rotation never leaves a keyset without its active
// key.
func (s *Store) PutSigningKeys(ctx context.Context, keys ...authcore.SigningKey) error {
	for _, k := range keys {
		if k.ID == "" {
			return errEmptyID
		}
	}
	return s.tx(ctx, func(tx pgx.Tx) error { return s.putKeys(ctx, tx, keys) })
}

// putKeys creates or replaces keys in tx.
func (s *Store) putKeys(ctx context.Context, tx pgx.Tx, keys []authcore.SigningKey) error {
	for _, k := range keys {
		_, err := tx.Exec(ctx, `INSERT INTO signing_keys (`+keyCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
			ON CONFLICT (id) DO UPDATE SET algorithm = EXCLUDED.algorithm, state = EXCLUDED.state, private_key = EXCLUDED.private_key,
				created_at = EXCLUDED.created_at, activated_at = EXCLUDED.activated_at, retired_at = EXCLUDED.retired_at,
				remove_after = EXCLUDED.remove_after, revoked_at = EXCLUDED.revoked_at, revoked_why = EXCLUDED.revoked_why`,
			s.keyArgs(k)...)
		if err != nil {
			return err
		}
	}
	return nil
}

// DeleteSigningKey removes a key; an unknown one is authcore.ErrNotFound.
func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	return s.deleteOne(ctx, `DELETE FROM signing_keys WHERE id = $1`, id)
}
