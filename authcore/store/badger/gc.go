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
	{kindGrantAT, false, 0},
	{kindOnce, true, 0},
	{kindPAR, true, 0},
	{kindDevice, true, 0},
	{kindDeviceUser, false, 0},
	{kindPasskeyChal, true, 0},
	{kindCIBA, true, 0},
	{kindCIBAUser, false, 0},
}

// gcBatch bounds the writes of one transaction.
const gcBatch = 512

// gcChunk bounds the keys one read transaction of the collector judges:
// a pass over 10^6 records is a series of short transactions, each
// followed by a pause (gcIdle), never one walk that holds a core.
const gcChunk = 1024

// gcIdle is how long the collector rests after working busy: nine times
// as long, so a pass takes at most a tenth of a core from the requests
// (less when they keep it busy, since busy is wall time). Tests set
// Store.gcIdle to run without pauses.
func gcIdle(busy time.Duration) time.Duration { return 9 * busy }

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
//
// It works in chunks of gcChunk keys with a pause after each (gcIdle),
// so a large store is collected over a while in the background rather
// than in one burst that starves the requests.
func (s *Store) GarbageCollect(ctx context.Context, now time.Time) (int, error) {
	defer s.trim.TrimNow() // what the scans mapped (trim.go)
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
// without a Badger TTL (with their current value), and the key the next
// chunk starts at (nil: the prefix is done).
type gcWork struct {
	dead    [][]byte
	untimed map[string][]byte
	next    []byte
}

// collect deletes the records under p that expired at cutoff, chunk by
// chunk, resting after each. With keepUntimed, live records that still
// carry a Badger TTL are rewritten without one.
func (s *Store) collect(ctx context.Context, p []byte, cutoff time.Time, keepUntimed bool) (int, error) {
	n := 0
	lastTrim := time.Now()
	for from := p; from != nil; {
		s.scanTrim(&lastTrim)
		start := time.Now()
		var w gcWork
		err := s.view(ctx, func(txn *bdg.Txn) error {
			var err error
			w, err = scanExpired(txn, p, from, cutoff, keepUntimed, s.chunk())
			return err
		})
		if err != nil {
			return n, err
		}
		for len(w.dead) > 0 {
			batch := w.dead[:min(gcBatch, len(w.dead))]
			w.dead = w.dead[len(batch):]
			removed, err := s.deleteDead(ctx, batch, cutoff)
			n += removed
			if err != nil {
				return n, err
			}
		}
		if err := s.untime(ctx, w.untimed); err != nil {
			return n, err
		}
		if from = w.next; from != nil {
			if err := s.rest(ctx, time.Since(start)); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// chunk is the number of keys per scan (gcChunk unless a test set it).
func (s *Store) chunk() int {
	if s.gcChunk > 0 {
		return s.gcChunk
	}
	return gcChunk
}

// rest pauses the collector after busy of work, until ctx ends.
func (s *Store) rest(ctx context.Context, busy time.Duration) error {
	idle := gcIdle
	if s.gcIdle != nil {
		idle = s.gcIdle
	}
	d := idle(busy)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// scanExpired walks every version of at most limit keys under p, from
// the key from on, and judges each key by its newest version: a deletion
// marker is done; a record Badger's TTL hides, or whose exp is at or
// before cutoff, is dead (with keepUntimed only its exp decides).
//
// A visible record whose Badger TTL ends after cutoff is live without
// reading its value: put sets the TTL to the record's exp rounded up to
// the second, so exp <= cutoff would give a TTL <= cutoff rounded up.
// Only revocations (no TTL) and records near their end are decoded.
func scanExpired(txn *bdg.Txn, p, from []byte, cutoff time.Time, keepUntimed bool, limit int) (gcWork, error) {
	w := gcWork{untimed: map[string][]byte{}}
	it := txn.NewIterator(bdg.IteratorOptions{Prefix: p, AllVersions: true})
	defer it.Close()
	alive := ttl(cutoff)
	var last []byte
	judged := 0
	for it.Seek(from); it.ValidForPrefix(p); it.Next() {
		item := it.Item()
		if last != nil && string(item.Key()) == string(last) {
			continue // an older version of a key already judged
		}
		if judged == limit {
			w.next = item.KeyCopy(nil)
			break
		}
		judged++
		last = item.KeyCopy(last[:0])
		hidden := item.IsDeletedOrExpired()
		if hidden && item.ExpiresAt() == 0 {
			continue // a deletion marker: nothing left to remove
		}
		if !hidden && !keepUntimed && item.ExpiresAt() > alive {
			continue // in force past cutoff, by its TTL
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
			noteValue(v)
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
