package badger

import (
	"context"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// factorV1 is the stored form of authcore.Factor under
// v1/factor/<user>/<id>. The secret is kept as given: it is protected by
// the store's encryption at rest (Options.EncryptionKey), like every
// other record.
type factorV1 struct {
	ID         string              `json:"id"`
	UserID     string              `json:"user"`
	Kind       authcore.FactorKind `json:"kind"`
	Name       string              `json:"name,omitempty"`
	Secret     []byte              `json:"secret,omitempty"`
	Confirmed  bool                `json:"confirmed,omitempty"`
	Counter    int64               `json:"counter,omitempty"`
	Data       []byte              `json:"data,omitempty"`
	CreatedAt  time.Time           `json:"created"`
	LastUsedAt time.Time           `json:"last_used"`
}

// Struct conversions, as for users: they stop compiling when the domain
// type changes.
func (r factorV1) domain() authcore.Factor { return authcore.Factor(r) }

// CreateFactor stores a new factor; an existing (user, ID) is
// authcore.ErrAlreadyExists.
func (s *Store) CreateFactor(ctx context.Context, f authcore.Factor) error {
	if f.ID == "" || f.UserID == "" {
		return errEmptyID
	}
	k := key(kindFactor, f.UserID, f.ID)
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, k); err != nil || ok {
			return orExists(err)
		}
		return put(txn, k, factorV1(f), time.Time{})
	})
}

// GetFactor returns the user's factor id, or authcore.ErrNotFound.
func (s *Store) GetFactor(ctx context.Context, userID, id string) (authcore.Factor, error) {
	var r factorV1
	err := s.view(ctx, func(txn *bdg.Txn) error { return get(txn, key(kindFactor, userID, id), &r) })
	return r.domain(), err
}

// ListFactors returns the user's factors, ordered by ID.
func (s *Store) ListFactors(ctx context.Context, userID string) ([]authcore.Factor, error) {
	return list(ctx, s, prefix(kindFactor, userID), func(r factorV1) (authcore.Factor, bool) { return r.domain(), true })
}

// UpdateFactor applies fn to the stored factor in one transaction,
// rerun on conflict.
func (s *Store) UpdateFactor(ctx context.Context, userID, id string, fn func(authcore.Factor) (authcore.Factor, error)) error {
	k := key(kindFactor, userID, id)
	return s.update(ctx, func(txn *bdg.Txn) error {
		var r factorV1
		if err := get(txn, k, &r); err != nil {
			return err
		}
		f, err := fn(r.domain())
		if err != nil {
			return callerErr{err}
		}
		if f.ID != id || f.UserID != userID {
			return errIDChanged
		}
		return put(txn, k, factorV1(f), time.Time{})
	})
}

// DeleteFactor removes the factor, or returns authcore.ErrNotFound.
func (s *Store) DeleteFactor(ctx context.Context, userID, id string) error {
	k := key(kindFactor, userID, id)
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, k); err != nil || !ok {
			if err == nil {
				err = authcore.ErrNotFound
			}
			return err
		}
		return txn.Delete(k)
	})
}
