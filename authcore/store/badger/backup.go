package badger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	bdg "github.com/dgraph-io/badger/v4"
)

// Entry is one key of the store as a backup holds it: the key, its value
// (decrypted: encrypt the backup), its TTL as Badger's absolute expiry
// (Unix seconds, 0 for none) and its user meta byte.
type Entry struct {
	Key, Value []byte
	ExpiresAt  uint64
	Meta       byte
}

// ErrNotEmpty: Restore was given a store that holds keys already.
var ErrNotEmpty = errors.New("badger: the store already holds records; restore needs an empty one")

// Backup reads every live key of the store in one read-only transaction
// (a consistent snapshot while the server keeps writing) and hands them
// to emit in key order. It returns the live records per kind in that
// snapshot, as Counts does.
func (s *Store) Backup(ctx context.Context, emit func(Entry) error) (map[string]int, error) {
	counts := map[string]int{}
	err := s.view(ctx, func(txn *bdg.Txn) error {
		it := txn.NewIterator(bdg.IteratorOptions{PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		n := 0
		for it.Rewind(); it.Valid(); it.Next() {
			if n++; n%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			item := it.Item()
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			k := item.KeyCopy(nil)
			counts[KindOf(k)]++
			if err := emit(Entry{Key: k, Value: v, ExpiresAt: item.ExpiresAt(), Meta: item.UserMeta()}); err != nil {
				return callerErr{err}
			}
		}
		return nil
	})
	var ce callerErr
	if errors.As(err, &ce) {
		return nil, ce.err
	}
	return counts, err
}

// Restore writes the entries next returns (until io.EOF) into the store,
// which must hold no key, then records the new counts in the marker. It
// returns the records per kind it wrote.
func (s *Store) Restore(ctx context.Context, next func() (Entry, error)) (map[string]int, error) {
	if counts, err := s.Counts(); err != nil {
		return nil, err
	} else if len(counts) > 0 {
		return nil, ErrNotEmpty
	}
	// A write batch commits as it fills, so entries may be in the store
	// whatever this returns: every exit counts as a write (unrevoked.go).
	defer s.unrevoked.wrote()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	large := vlogWrites.Load()
	counts := map[string]int{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		noteValue(e.Value)
		ent := bdg.NewEntry(e.Key, e.Value).WithMeta(e.Meta)
		ent.ExpiresAt = e.ExpiresAt
		if err := wb.SetEntry(ent); err != nil {
			return nil, fmt.Errorf("badger: restore: %w", err)
		}
		counts[KindOf(e.Key)]++
	}
	if err := wb.Flush(); err != nil {
		return nil, fmt.Errorf("badger: restore: %w", err)
	}
	if vlogWrites.Load() != large {
		vlogWrites.Add(1) // after the commits, as update does (txn.go)
	}
	if err := s.sync(); err != nil {
		return nil, fmt.Errorf("badger: restore: %w", err)
	}
	if s.marker != nil {
		s.updateMarker()
	}
	return counts, nil
}

// KindOf is the kind of a key in this package's layout (v1/<kind>/...),
// or OtherKeys.
func KindOf(k []byte) string {
	p := []byte(version + "/")
	if !bytes.HasPrefix(k, p) {
		return OtherKeys
	}
	if i := bytes.IndexByte(k[len(p):], '/'); i > 0 {
		return string(k[len(p) : len(p)+i])
	}
	return OtherKeys
}
