package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// ErrChainNotIntact is returned by Reindex when the hash chain itself does
// not verify: the indexes are rebuilt only from a chain that does.
var ErrChainNotIntact = errors.New("audit: the hash chain does not verify; not rebuilding the indexes from it")

// reindexBatch is how many index changes one transaction writes.
const reindexBatch = 1000

// ReindexResult says what Reindex changed.
type ReindexResult struct {
	Removed int // index entries that pointed at no chained event holding their value
	Added   int // index entries a chained event was missing
}

// Reindex rebuilds the secondary indexes from the hash chain after Verify
// reported IndexDamaged: it removes every entry that does not point at a
// chained event holding its value and adds every entry a chained event
// lacks. It refuses (ErrChainNotIntact) when the chain does not verify.
// Events recorded meanwhile are indexed by the writer as usual; pruning
// waits until Reindex is done.
func (l *Log) Reindex(ctx context.Context) (ReindexResult, error) {
	l.pruneMu.Lock()
	defer l.pruneMu.Unlock()
	var res ReindexResult
	v, err := l.Verify(ctx)
	if err != nil {
		return res, err
	}
	if !v.OK && v.Problem != IndexDamaged {
		return res, fmt.Errorf("%w (%s at seq %d)", ErrChainNotIntact, v.Problem, v.Seq)
	}
	if res, err = l.b.reindex(ctx); err != nil {
		return res, fmt.Errorf("audit: reindex: %w", err)
	}
	l.indexDamaged.Store(false)
	l.log.Warn().Int("removed", res.Removed).Int("added", res.Added).Msg("audit: indexes rebuilt from the chain")
	return res, nil
}

// reindex counts the index entries that point at no chained event
// holding their value (removed) and the ones chained events lack (added),
// then rewrites the indexes of the events it read from the chain: every
// block it saw is deleted and each event's entries are written as
// single-entry blocks. A damaged block may hold good entries beside bad
// ones, so the rewrite is whole rather than an edit of each block.
// Events the writer commits meanwhile are newer than all of these and
// keep their own blocks.
func (b *badgerBackend) reindex(ctx context.Context) (ReindexResult, error) {
	var res ReindexResult
	var del, add [][]byte
	err := b.db.View(func(txn *badger.Txn) error {
		err := walkIndex(ctx, txn, func(k []byte, entries [][]byte) (bool, error) {
			del = append(del, bytes.Clone(k))
			if entries == nil {
				res.Removed++
			}
			for _, e := range entries {
				detail, _, err := checkIndexKey(txn, e)
				if err != nil {
					return true, err
				}
				if detail != "" {
					res.Removed++
				}
			}
			return false, nil
		})
		if err != nil {
			return err
		}
		ev := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256, Prefix: prefixEvent})
		defer ev.Close()
		for ev.Rewind(); ev.Valid(); ev.Next() {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			i, _ := idFromKey(ev.Item().Key())
			line, err := ev.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			en, err := decodeEntry(line)
			if err != nil {
				return err // the chain verified: not reached
			}
			for _, ie := range indexValues(&en.Event) {
				add = append(add, indexKey(ie.field, ie.value, i))
				if ok, err := hasIndexEntry(txn, ie.field, ie.value, i); err != nil {
					return err
				} else if !ok {
					res.Added++
				}
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	return res, b.applyIndexChanges(del, add)
}

// applyIndexChanges deletes del, then sets add, in batches.
func (b *badgerBackend) applyIndexChanges(del, add [][]byte) error {
	for len(del) > 0 || len(add) > 0 {
		err := b.db.Update(func(txn *badger.Txn) error {
			for n := 0; n < reindexBatch && (len(del) > 0 || len(add) > 0); n++ {
				var err error
				if len(del) > 0 {
					err, del = txn.Delete(del[0]), del[1:]
				} else {
					err, add = txn.Set(add[0], nil), add[1:]
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
