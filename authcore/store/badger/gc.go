package badger

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
)

// expirable lists the kinds whose records carry an "exp" field, and
// whether a removal counts in GarbageCollect's total (index entries go
// with their record and are not counted).
var expirable = []struct {
	kind    string
	counted bool
}{
	{kindCode, true},
	{kindSession, true},
	{kindSessionByUser, false},
	{kindRT, true},
	{kindRTByGrant, false},
	{kindRevoked, true},
	{kindGrant, true},
	{kindOnce, true},
	{kindPAR, true},
	{kindDevice, true},
	{kindDeviceUser, false},
}

// gcBatch bounds the deletions of one transaction.
const gcBatch = 512

// GarbageCollect deletes every code, session, refresh token, revocation,
// grant and single-use record that expired at or before now, reports how many it deleted,
// then runs Badger's value-log GC. Badger's TTLs already hide records
// once the wall clock passes their expiry, and such records are not
// counted; the scrub catches what the TTL has not (yet) removed and makes
// removal independent of the wall clock.
func (s *Store) GarbageCollect(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for _, e := range expirable {
		n, err := s.collect(ctx, prefix(e.kind), now)
		if e.counted {
			total += n
		}
		if err != nil {
			return total, err
		}
	}
	return total, s.valueLogGC(ctx)
}

// collect deletes the records under p that expired at now, in batches.
func (s *Store) collect(ctx context.Context, p []byte, now time.Time) (int, error) {
	var dead [][]byte
	err := s.view(ctx, func(txn *bdg.Txn) error {
		return scan(txn, p, func(k, v []byte) error {
			if deadAt(v, now) {
				dead = append(dead, append([]byte(nil), k...))
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for len(dead) > 0 {
		batch := dead[:min(gcBatch, len(dead))]
		dead = dead[len(batch):]
		var removed int
		err := s.update(ctx, func(txn *bdg.Txn) error {
			removed = 0
			for _, k := range batch {
				// Re-read: the record may have been replaced since
				// the scan. Reading it also makes a concurrent
				// rewrite conflict with this deletion.
				item, err := txn.Get(k)
				if errors.Is(err, bdg.ErrKeyNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				var still bool
				if err := item.Value(func(v []byte) error { still = deadAt(v, now); return nil }); err != nil {
					return err
				}
				if !still {
					continue
				}
				if err := txn.Delete(k); err != nil {
					return err
				}
				removed++
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += removed
	}
	return n, nil
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

// RunGC calls GarbageCollect every interval with the store's clock until
// ctx is done, logging what it removed and any error. Run it in its own
// goroutine.
func (s *Store) RunGC(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.GarbageCollect(ctx, s.now())
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error().Err(err).Int("removed", n).Msg("badger: garbage collection failed")
		case n > 0:
			s.log.Debug().Int("removed", n).Msg("badger: garbage collected expired records")
		}
	}
}
