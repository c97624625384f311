package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// keysetVersionKey holds the signing keys' version, an int64 that every
// write to them increments in the same transaction.
var keysetVersionKey = key(kindKeyset, "version")

// readKeysetVersion returns the version (0 before the first key was
// written), recording the read so that a concurrent change conflicts.
func readKeysetVersion(txn *bdg.Txn) (int64, error) {
	var v int64
	if err := get(txn, keysetVersionKey, &v); err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return 0, err
	}
	return v, nil
}

func bumpKeysetVersion(txn *bdg.Txn) (int64, error) {
	v, err := readKeysetVersion(txn)
	if err != nil {
		return 0, err
	}
	v++
	return v, put(txn, keysetVersionKey, v, time.Time{})
}

// writeKeys puts keys and deletes remove in txn, and bumps the version.
func writeKeys(txn *bdg.Txn, keys []authcore.SigningKey, remove []string) (int64, error) {
	for _, k := range keys {
		if err := put(txn, key(kindKey, k.ID), signingKeyRecord(k), time.Time{}); err != nil {
			return 0, err
		}
	}
	for _, id := range remove {
		if err := txn.Delete(key(kindKey, id)); err != nil {
			return 0, err
		}
	}
	return bumpKeysetVersion(txn)
}

// SigningKeysVersion returns the signing keys' version.
func (s *Store) SigningKeysVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.view(ctx, func(txn *bdg.Txn) error {
		var err error
		v, err = readKeysetVersion(txn)
		return err
	})
	return v, err
}

// SwapSigningKeys writes put and deletes remove if the version is still
// version. Two swaps from the same version both read the version key, so
// Badger fails the second commit with a conflict; its rerun reads the new
// version and answers authcore.ErrConflict.
func (s *Store) SwapSigningKeys(ctx context.Context, version int64, put []authcore.SigningKey, remove []string) (int64, error) {
	for _, k := range put {
		if k.ID == "" {
			return 0, errEmptyID
		}
	}
	var now int64
	err := s.update(ctx, func(txn *bdg.Txn) error {
		v, err := readKeysetVersion(txn)
		if err != nil {
			return err
		}
		if v != version {
			return callerErr{authcore.ErrConflict}
		}
		now, err = writeKeys(txn, put, remove)
		return err
	})
	return now, err
}
