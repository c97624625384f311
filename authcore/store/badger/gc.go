package badger

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
)

// expirable lists the kinds whose records carry an "exp" field: whether a
// removal counts in GarbageCollect's total (index entries go with their
// record and are not counted), and how long past exp a record is kept.
var expirable = []struct {
	kind    string
	counted bool
	grace   time.Duration
}{
	{kindCode, true, 0},
	{kindSession, true, 0},
	{kindSessionByUser, false, 0},
	{kindRT, true, 0},
	{kindRTByGrant, false, 0},
	// A revocation outlives its token by the largest skew a verifier
	// allows, and has no Badger TTL (revocations.go).
	{kindRevoked, true, authcore.MaxClockSkew},
	{kindGrant, true, 0},
	{kindOnce, true, 0},
	{kindPAR, true, 0},
	{kindDevice, true, 0},
	{kindDeviceUser, false, 0},
	{kindPasskeyChal, true, 0},
}

// gcBatch bounds the writes of one transaction.
const gcBatch = 512

// GarbageCollect deletes every code, session, refresh token, grant and
// single-use record that expired at or before now, and every revocation
// whose token expired at or before now less authcore.MaxClockSkew; it
// reports how many it deleted, then runs Badger's value-log GC.
//
// It sees the records Badger's TTL already hides (a normal iterator skips
// them, so they would stay in the tables until a compaction happened to
// reach them) and writes their deletion, which lets the next compaction
// drop them. A revocation written by an older version with a Badger TTL
// is rewritten without one while it is still in force, even when the TTL
// already hides it (a wall clock that jumped ahead): the record's own exp
// decides, judged by now.
func (s *Store) GarbageCollect(ctx context.Context, now time.Time) (int, error) {
	total := 0
	removed := make(map[string]int, len(expirable))
	for _, e := range expirable {
		n, err := s.collect(ctx, prefix(e.kind), now.Add(-e.grace), e.grace > 0)
		removed[e.kind] = n
		if e.counted {
			total += n
		}
		if err != nil {
			return total, err
		}
	}
	if total > 0 {
		d := zerolog.Dict()
		for k, n := range removed {
			d.Int(k, n)
		}
		s.log.Debug().Dict("removed", d).Int("total", total).Msg("badger: expired records deleted")
	}
	return total, s.valueLogGC(ctx)
}

// gcWork is what one scan found: keys to delete and records to rewrite
// without a Badger TTL (with their current value).
type gcWork struct {
	dead    [][]byte
	untimed map[string][]byte
}

// collect deletes the records under p that expired at cutoff, in batches.
// With keepUntimed, live records that still carry a Badger TTL are
// rewritten without one.
func (s *Store) collect(ctx context.Context, p []byte, cutoff time.Time, keepUntimed bool) (int, error) {
	var w gcWork
	err := s.view(ctx, func(txn *bdg.Txn) error {
		var err error
		w, err = scanExpired(txn, p, cutoff, keepUntimed)
		return err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for len(w.dead) > 0 {
		batch := w.dead[:min(gcBatch, len(w.dead))]
		w.dead = w.dead[len(batch):]
		removed, err := s.deleteDead(ctx, batch, cutoff)
		n += removed
		if err != nil {
			return n, err
		}
	}
	return n, s.untime(ctx, w.untimed)
}

// scanExpired walks every version of every key under p and judges each
// key by its newest version: a deletion marker is done; a record Badger's
// TTL hides, or whose exp is at or before cutoff, is dead (with
// keepUntimed only its exp decides).
func scanExpired(txn *bdg.Txn, p []byte, cutoff time.Time, keepUntimed bool) (gcWork, error) {
	w := gcWork{untimed: map[string][]byte{}}
	it := txn.NewIterator(bdg.IteratorOptions{Prefix: p, AllVersions: true})
	defer it.Close()
	var last []byte
	for it.Seek(p); it.ValidForPrefix(p); it.Next() {
		item := it.Item()
		if last != nil && string(item.Key()) == string(last) {
			continue // an older version of a key already judged
		}
		last = item.KeyCopy(last[:0])
		hidden := item.IsDeletedOrExpired()
		if hidden && item.ExpiresAt() == 0 {
			continue // a deletion marker: nothing left to remove
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return w, err
		}
		switch {
		case deadAt(v, cutoff) || (hidden && !keepUntimed):
			w.dead = append(w.dead, item.KeyCopy(nil))
		case keepUntimed && item.ExpiresAt() != 0:
			w.untimed[string(item.Key())] = v
		}
	}
	return w, nil
}

// deleteDead deletes the keys of batch that are still dead at cutoff, in
// one transaction, and reports how many it deleted.
func (s *Store) deleteDead(ctx context.Context, batch [][]byte, cutoff time.Time) (int, error) {
	var removed int
	err := s.update(ctx, func(txn *bdg.Txn) error {
		removed = 0
		for _, k := range batch {
			// Re-read: the record may have been replaced since the
			// scan, and reading makes a concurrent rewrite conflict
			// with this deletion. A key the TTL hides reads as
			// absent and is deleted all the same.
			item, err := txn.Get(k)
			switch {
			case errors.Is(err, bdg.ErrKeyNotFound):
			case err != nil:
				return err
			default:
				var still bool
				if err := item.Value(func(v []byte) error { still = deadAt(v, cutoff); return nil }); err != nil {
					return err
				}
				if !still {
					continue
				}
			}
			if err := txn.Delete(k); err != nil {
				return err
			}
			removed++
		}
		return nil
	})
	return removed, err
}

// untime rewrites each record of recs (key -> value as scanned) without a
// Badger TTL, unless it changed since the scan.
func (s *Store) untime(ctx context.Context, recs map[string][]byte) error {
	for k, v := range recs {
		err := s.update(ctx, func(txn *bdg.Txn) error {
			item, err := txn.Get([]byte(k))
			switch {
			case errors.Is(err, bdg.ErrKeyNotFound): // hidden by the TTL: bring it back
			case err != nil:
				return err
			case item.ExpiresAt() == 0:
				return nil // rewritten meanwhile
			default:
				if v, err = item.ValueCopy(nil); err != nil {
					return err
				}
			}
			return txn.SetEntry(bdg.NewEntry([]byte(k), v))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// deadAt reports whether the record v has an "exp" at or before now.
// Records that do not decode are left alone.
func deadAt(v []byte, now time.Time) bool {
	var r struct {
		ExpiresAt time.Time `json:"exp"`
	}
	return json.Unmarshal(v, &r) == nil && expired(r.ExpiresAt, now)
}

// valueLogGC rewrites value-log files until Badger finds none worth
// rewriting. In-memory stores have no value log.
func (s *Store) valueLogGC(ctx context.Context) error {
	for ctx.Err() == nil {
		// Rewriting writes first and frees later: not on a disk the
		// Gate refuses (memory-mapped writes there are SIGBUS).
		if err := s.Writable(); err != nil {
			return err
		}
		err := s.db.RunValueLogGC(0.5)
		switch {
		case err == nil:
			continue
		case errors.Is(err, bdg.ErrNoRewrite), errors.Is(err, bdg.ErrRejected), errors.Is(err, bdg.ErrGCInMemoryMode):
			return nil
		default:
			return storeErr(err)
		}
	}
	return ctx.Err()
}
