package badger

import (
	"context"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// passkeyChalV1 is one ceremony's challenge under v1/passkey-chal/<id>.
type passkeyChalV1 struct {
	ID        string    `json:"id"`
	State     []byte    `json:"state"`
	ExpiresAt time.Time `json:"exp"`
}

// PutPasskeyChallenge stores c until c.ExpiresAt, replacing any
// challenge with the same ID.
func (s *Store) PutPasskeyChallenge(ctx context.Context, c authcore.PasskeyChallenge) error {
	if c.ID == "" {
		return errEmptyID
	}
	return s.update(ctx, func(txn *bdg.Txn) error {
		return put(txn, key(kindPasskeyChal, c.ID), passkeyChalV1(c), c.ExpiresAt)
	})
}

// TakePasskeyChallenge returns and removes the challenge id in one
// transaction, so exactly one caller gets it.
func (s *Store) TakePasskeyChallenge(ctx context.Context, id string) (authcore.PasskeyChallenge, error) {
	var r passkeyChalV1
	err := s.update(ctx, func(txn *bdg.Txn) error {
		k := key(kindPasskeyChal, id)
		if err := get(txn, k, &r); err != nil {
			return err
		}
		if err := txn.Delete(k); err != nil {
			return err
		}
		if expired(r.ExpiresAt, s.now()) {
			return authcore.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return authcore.PasskeyChallenge{}, err
	}
	return authcore.PasskeyChallenge(r), nil
}
