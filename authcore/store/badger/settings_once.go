package badger

import (
	"context"
	"errors"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// CreateSetting stores value under name unless it holds a value already,
// in one transaction, and returns the stored value.
func (s *Store) CreateSetting(ctx context.Context, name string, value []byte) ([]byte, error) {
	if name == "" {
		return nil, errEmptyID
	}
	var out []byte
	err := s.update(ctx, func(txn *bdg.Txn) error {
		item, err := txn.Get(key(kindSetting, name))
		switch {
		case errors.Is(err, bdg.ErrKeyNotFound):
			out = append([]byte(nil), value...)
			return txn.Set(key(kindSetting, name), out)
		case err != nil:
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	return out, err
}

var _ authcore.OnceSettings = (*Store)(nil)
