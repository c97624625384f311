package postgres

import (
	"context"
	"fmt"
	"time"
)

// gcBatch bounds the rows one DELETE removes, so collection never holds
// many row locks or a long transaction.
const gcBatch = 500

// gcLockKey is the advisory lock that lets one node at a time collect.
const gcLockKey int64 = 0x4c4b_6763 // "LKgc"

// expirable lists, in order, the tables GarbageCollect sweeps. Refresh
// tokens go before grants, whose removal cascades to the rest of their
// family and their access-token list.
var expirable = []string{
	"auth_codes", "sessions", "refresh_tokens", "revocations", "grants",
	"nonces", "pushed_requests", "device_codes",
}

// GarbageCollect removes the records of every expirable kind whose expiry
// is at or before now, in batches of gcBatch rows, each its own
// transaction. It runs under a session advisory lock: when another node
// (or goroutine) is collecting, it returns 0 at once. The count excludes
// rows removed by cascade.
func (s *Store) GarbageCollect(ctx context.Context, now time.Time) (int, error) {
	n, _, err := s.collect(ctx, now)
	return n, err
}

// collect is GarbageCollect with the count per table.
func (s *Store) collect(ctx context.Context, now time.Time) (int, map[string]int, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, nil, storeErr(err)
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, gcLockKey).Scan(&locked); err != nil {
		return 0, nil, storeErr(err)
	}
	if !locked {
		return 0, nil, nil
	}
	defer func() {
		// A fresh context: the unlock must happen even when ctx ended,
		// or the pooled connection would keep the lock.
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, gcLockKey); err != nil {
			conn.Conn().Close(context.Background())
		}
	}()
	total, per := 0, map[string]int{}
	for _, table := range expirable {
		for {
			tag, err := conn.Exec(ctx, fmt.Sprintf(`DELETE FROM %[1]s WHERE ctid IN (
				SELECT ctid FROM %[1]s WHERE expires_at <= $1 LIMIT %[2]d FOR UPDATE SKIP LOCKED)`, table, gcBatch), now)
			if err != nil {
				return total, per, storeErr(err)
			}
			n := int(tag.RowsAffected())
			total += n
			per[table] += n
			if n < gcBatch {
				break
			}
		}
	}
	return total, per, nil
}

// RunGC collects every interval until ctx ends, logging what it removed
// per kind; on several nodes only one collects at a time.
func (s *Store) RunGC(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, per, err := s.collect(ctx, s.now())
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error().Err(err).Int("removed", n).Msg("postgres: garbage collection failed")
		case n > 0:
			ev := s.log.Debug().Int("removed", n)
			for table, c := range per {
				if c > 0 {
					ev = ev.Int(table, c)
				}
			}
			ev.Msg("postgres: garbage collected expired records")
		}
	}
}
