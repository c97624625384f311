package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// maxTailRepair and maxTailSpan bound the unreadable events at the end
// of the log that repairTail removes: how many, and how far apart in
// time the oldest and the newest of them were recorded. A power cut loses
// at most what the writer had not synced, about a second of events
// (writer.go); more, or a longer stretch, means damage of another kind
// (a value log file deleted or overwritten, which on a small log could
// otherwise take every event with it), and the log refuses to open
// rather than drop it.
var (
	maxTailRepair = 1 << 16
	maxTailSpan   = 10 * time.Second
)

// errTailLost: the newest events cannot be read and are too many to be
// the unsynced end of the log.
var errTailLost = errors.New("audit: the newest events cannot be read from the value log")

// repairTail makes the log end at its newest event whose line can be
// read, before the writer chains onto it.
//
// A line lives in the value log, its key and pointer in a memtable's
// write-ahead log (valueThreshold), and the kernel writes back the pages
// of both in any order. A sync returns once both files are synced, so
// every event a sync covered is whole after a power cut; of the events
// after the last sync (none of them acknowledged as durable) the
// write-ahead log may have kept pointers whose lines the value log lost (Badger cuts the
// newest value log at its first torn entry when it opens). Those events
// would read as empty lines forever (Badger logs a value it cannot
// read and answers an empty one; no event is empty) and the chain would go on from a line
// nobody can check, so repairTail deletes them, moves the head back to
// the newest readable event (or to the anchor or the genesis when none
// is left), rebuilds the indexes that listed them, syncs, and logs what
// it removed. Unreadable events before a readable one are damage, not an
// unsynced end: they stay for Verify to report.
func (b *badgerBackend) repairTail() error {
	var lost [][]byte
	var head *chainPoint
	var damaged error
	err := b.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: prefixEvent})
		defer it.Close()
		for it.Seek(append(bytes.Clone(prefixEvent), 0xff)); it.Valid(); it.Next() {
			var en Entry
			var decodeErr error
			empty := false
			err := it.Item().Value(func(line []byte) error {
				empty = len(line) == 0
				en, decodeErr = decodeEntry(line)
				return nil
			})
			if err == nil && !empty {
				if decodeErr != nil {
					// Damaged, not cut short: nothing to chain onto.
					// Leave it all for Verify to report.
					lost = nil
					return nil
				}
				head = &chainPoint{Seq: en.Seq, Hash: en.Hash, Time: en.Event.Time}
				return nil // the newest event whose line is there
			}
			if len(lost) == maxTailRepair {
				damaged = fmt.Errorf("%w: more than %d of them; restore the audit directory from a backup, or move it aside to start a new log", errTailLost, maxTailRepair)
				return nil
			}
			lost = append(lost, it.Item().KeyCopy(nil))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit: check the end of the log: %w", err)
	}
	if damaged != nil {
		return damaged
	}
	if len(lost) == 0 {
		return nil
	}
	newest, _ := idFromKey(lost[0])
	oldest, _ := idFromKey(lost[len(lost)-1])
	if span := time.Duration(newest.ts() - oldest.ts()); span > maxTailSpan {
		return fmt.Errorf("%w: %d of them, recorded over %v (seq %d to %d), more than a power cut loses; restore the audit directory from a backup, or move it aside to start a new log",
			errTailLost, len(lost), span.Round(time.Second), oldest.seq(), newest.seq())
	}
	wb := b.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range lost {
		if err := wb.Delete(k); err != nil {
			return fmt.Errorf("audit: repair the end of the log: %w", err)
		}
	}
	if head != nil {
		v, err := json.Marshal(*head)
		if err == nil {
			err = wb.Set(keyHead, v)
		}
		if err != nil {
			return fmt.Errorf("audit: repair the end of the log: %w", err)
		}
	} else if err := wb.Delete(keyHead); err != nil {
		return fmt.Errorf("audit: repair the end of the log: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("audit: repair the end of the log: %w", err)
	}
	res, err := b.reindex(context.Background())
	if err != nil {
		return fmt.Errorf("audit: reindex after repairing the end of the log: %w", err)
	}
	if err := b.sync(); err != nil {
		return fmt.Errorf("audit: sync the repaired log: %w", err)
	}
	ev := b.log.Error().Int("events", len(lost)).Uint64("from_seq", oldest.seq()).Uint64("to_seq", newest.seq()).
		Int("index_entries_removed", res.Removed)
	if head != nil {
		ev = ev.Uint64("head_seq", head.Seq)
	}
	ev.Msg("audit: the newest events were lost from the value log (a power cut before their sync); the log now ends before them")
	return nil
}
