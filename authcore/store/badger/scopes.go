package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// scopeV1 is the stored form of authcore.Scope under v1/scope/<name>.
type scopeV1 struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created"`
}

// CreateScope registers a scope; an existing name is
// authcore.ErrAlreadyExists.
func (s *Store) CreateScope(ctx context.Context, sc authcore.Scope) error {
	if sc.Name == "" {
		return errEmptyID
	}
	k := key(kindScope, sc.Name)
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, k); err != nil || ok {
			return orExists(err)
		}
		return put(txn, k, scopeV1(sc), time.Time{})
	})
}

// GetScope returns the scope name, or authcore.ErrNotFound.
func (s *Store) GetScope(ctx context.Context, name string) (authcore.Scope, error) {
	var r scopeV1
	err := s.view(ctx, func(txn *bdg.Txn) error { return get(txn, key(kindScope, name), &r) })
	return authcore.Scope(r), err
}

// ListScopes returns every scope, ordered by name.
func (s *Store) ListScopes(ctx context.Context) ([]authcore.Scope, error) {
	return list(ctx, s, prefix(kindScope), func(r scopeV1) (authcore.Scope, bool) { return authcore.Scope(r), true })
}

// DeleteScope removes the scope name, or returns authcore.ErrNotFound.
func (s *Store) DeleteScope(ctx context.Context, name string) error {
	return s.update(ctx, func(txn *bdg.Txn) error { return del(txn, key(kindScope, name)) })
}

// GetSetting returns a copy of the setting name, or authcore.ErrNotFound.
func (s *Store) GetSetting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.view(ctx, func(txn *bdg.Txn) error {
		item, err := txn.Get(key(kindSetting, name))
		if errors.Is(err, bdg.ErrKeyNotFound) {
			return authcore.ErrNotFound
		}
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	return v, err
}

// PutSetting stores value under name, replacing any earlier value.
func (s *Store) PutSetting(ctx context.Context, name string, value []byte) error {
	if name == "" {
		return errEmptyID
	}
	v := append([]byte(nil), value...)
	noteValue(v)
	return s.update(ctx, func(txn *bdg.Txn) error { return txn.Set(key(kindSetting, name), v) })
}
