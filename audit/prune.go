package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// pruneBatch is how many events one pruning transaction removes.
const pruneBatch = 1000

// ErrChainBroken is returned by Prune when the events it was about to
// remove do not verify: they are kept as evidence (run Verify).
var ErrChainBroken = errors.New("audit: chain broken, not pruning")

// Prune removes events recorded before before, oldest first, with their
// index entries, and moves the anchor to the last removed event so Verify
// still checks the rest of the chain. It re-checks the hash chain of what
// it removes and stops with ErrChainBroken rather than destroy evidence of
// tampering. It returns how many events were removed.
func (l *Log) Prune(ctx context.Context, before time.Time) (int, error) {
	l.pruneMu.Lock()
	defer l.pruneMu.Unlock()
	limit := before.UnixNano()
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := l.b.pruneOnce(limit)
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}

// pruneOnce removes up to pruneBatch events older than limit.
func (b *badgerBackend) pruneOnce(limit int64) (int, error) {
	var keys [][]byte
	var sets []indexBlock // blocks that keep some of their entries
	var anchor chainPoint
	events := 0
	var broken error
	err := b.db.View(func(txn *badger.Txn) error {
		prefixes := map[string]bool{} // the index values of the removed events
		var last id
		var err error
		if anchor, _, err = chainEnds(txn); err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: prefixEvent})
		defer it.Close()
		for it.Rewind(); it.Valid() && events < pruneBatch; it.Next() {
			k, _ := idFromKey(it.Item().Key())
			if k.ts() >= limit {
				break
			}
			line, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			body, hash, _ := splitLine(line)
			en, err := decodeEntry(line)
			if err != nil || en.Seq != anchor.Seq+1 || en.PrevHash != anchor.Hash ||
				chainHash(en.PrevHash, body) != hash || en.Seq != k.seq() {
				broken = fmt.Errorf("%w: at seq %d", ErrChainBroken, k.seq())
				break
			}
			keys = append(keys, eventKey(k))
			for _, ie := range indexValues(&en.Event) {
				prefixes[string(indexPrefix(ie.field, ie.value))] = true
			}
			last = k
			anchor = chainPoint{Seq: en.Seq, Hash: hash, Time: en.Time}
			events++
		}
		if events > 0 {
			keys, sets = prunedBlocks(txn, prefixes, last, keys)
		}
		return nil
	})
	if err != nil || len(keys) == 0 {
		if err == nil {
			err = broken
		}
		return 0, err
	}
	a, err := json.Marshal(anchor)
	if err != nil {
		return 0, err
	}
	wb := b.db.NewTransaction(true)
	defer wb.Discard()
	for _, k := range keys {
		if err := wb.Delete(k); err != nil {
			return 0, fmt.Errorf("audit: prune: %w", err)
		}
	}
	for _, bl := range sets {
		if err := wb.Set(bl.key, bl.rest); err != nil {
			return 0, fmt.Errorf("audit: prune: %w", err)
		}
	}
	if err := wb.Set(keyAnchor, a); err != nil {
		return 0, fmt.Errorf("audit: prune: %w", err)
	}
	if err := wb.Commit(); err != nil {
		return 0, fmt.Errorf("audit: prune: %w", err)
	}
	if broken != nil {
		b.log.Error().Err(broken).Msg("audit: prune stopped at a broken chain")
	}
	return events, broken
}

// Retention returns how long events are kept; negative: forever.
func (l *Log) Retention() time.Duration { return time.Duration(l.retention.Load()) }

// SetRetention changes how long events are kept while the log runs, and
// prunes by it at once (in the background) rather than at the next
// PruneEvery. Zero means DefaultRetention; a negative value keeps
// everything.
func (l *Log) SetRetention(d time.Duration) {
	if d == 0 {
		d = DefaultRetention
	}
	l.retention.Store(int64(d))
	l.PruneNow()
}

// PruneNow wakes the background pruner (in the background) rather than
// waiting for the next PruneEvery: a node that takes the background lease
// over calls it.
func (l *Log) PruneNow() {
	select {
	case l.pruneNow <- struct{}{}:
	default: // a prune is already due
	}
}

// maintain prunes by retention (while Options.PruneWhen allows) and
// collects value-log garbage, once at start, then every PruneEvery and
// after each SetRetention or PruneNow, until Close.
func (l *Log) maintain() {
	defer close(l.maintDone)
	t := time.NewTicker(l.opt.PruneEvery)
	defer t.Stop()
	for {
		if l.opt.Gate != nil && l.opt.Gate.Allow(0) != nil {
			// No deletions and no value-log rewrite on a disk that is
			// almost full or gone: both write first and free later.
		} else if l.opt.PruneWhen != nil && !l.opt.PruneWhen() {
			// Another node prunes the shared log.
		} else if keep := l.Retention(); keep > 0 {
			n, err := l.Prune(context.Background(), l.opt.Now().Add(-keep))
			l.pruned.Add(uint64(n))
			if err != nil {
				l.log.Error().Err(err).Msg("audit: retention prune failed")
			} else if n > 0 {
				l.log.Info().Int("events", n).Msg("audit: pruned by retention")
			}
		}
		l.b.maintain(l.opt.Gate)
		select {
		case <-l.stopMaint:
			return
		case <-t.C:
		case <-l.pruneNow:
		}
	}
}

// prunedBlocks adds to del the index blocks of prefixes whose entries are
// all at or below last (the newest event being removed), and returns the
// block that straddles last, if any, rewritten under its first entry above
// last. Every event up to last is being removed, and blocks of one value
// never overlap, so only the first block above them can straddle.
func prunedBlocks(txn *badger.Txn, prefixes map[string]bool, last id, del [][]byte) ([][]byte, []indexBlock) {
	var sets []indexBlock
	var ids []id
	for p := range prefixes {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(p)})
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			first, ok := idFromKey(k)
			if !ok || string(first[:]) > string(last[:]) {
				break
			}
			del = append(del, it.Item().KeyCopy(nil))
			_ = it.Item().Value(func(v []byte) error {
				ids, ok = blockIDs(ids[:0], k, v)
				return nil
			})
			if !ok {
				continue // malformed: removed with the events (Reindex would)
			}
			n := 0
			for n < len(ids) && string(ids[n][:]) <= string(last[:]) {
				n++
			}
			if n < len(ids) {
				bl := indexBlock{key: append([]byte(p), ids[n][:]...)}
				for _, i := range ids[n+1:] {
					bl.rest = append(bl.rest, i[:]...)
				}
				sets = append(sets, bl)
			}
		}
		it.Close()
	}
	return del, sets
}
