package badger

import (
	"bytes"
	"context"
	"errors"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// SwapSetting implements authcore.SettingSwapper in one transaction:
// Badger's conflict detection makes a concurrent writer of the same key
// retry (update), and the retry then sees the new value.
func (s *Store) SwapSetting(ctx context.Context, name string, old, value []byte) error {
	if name == "" {
		return errEmptyID
	}
	v := append([]byte{}, value...)
	return s.update(ctx, func(txn *bdg.Txn) error {
		k := key(kindSetting, name)
		item, err := txn.Get(k)
		switch {
		case errors.Is(err, bdg.ErrKeyNotFound):
			if old != nil {
				return authcore.ErrConflict
			}
		case err != nil:
			return err
		default:
			cur, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if old == nil || !bytes.Equal(cur, old) {
				return authcore.ErrConflict
			}
		}
		return txn.Set(k, v)
	})
}
