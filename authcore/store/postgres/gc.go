package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
)

// gcBatch bounds the rows one DELETE removes, so collection never holds
// many row locks or a long transaction.
const gcBatch = 500

// gcLockKey is the advisory lock that lets one node at a time collect.
const gcLockKey int64 = 0x4c4b_6763 // "LKgc"

// expirable lists, in order, the tables GarbageCollect sweeps and how
// long past expires_at a row is kept. Refresh tokens go before grants,
// whose removal cascades to the rest of their family and their
// access-token list. A revocation outlives its token by the largest
// clock skew a verifier may allow.
var expirable = []struct {
	table string
	grace time.Duration
}{
	{"auth_codes", 0}, {"sessions", 0}, {"refresh_tokens", 0},
	{"revocations", authcore.MaxClockSkew}, {"grants", 0},
	{"nonces", 0}, {"pushed_requests", 0}, {"device_codes", 0},
	{"counters", 0},
	{"passkey_challenges", 0},
	{"backchannel_requests", 0},
}

// GarbageCollect removes the records of every expirable kind whose expiry
// is at or before now (revocations: now less authcore.MaxClockSkew), in
// batches of gcBatch rows, each its own transaction, and logs the count
// per table at debug level. It runs under a session advisory lock: when
// another node (or goroutine) is collecting, it returns 0 at once. The
// count excludes rows removed by cascade.
func (s *Store) GarbageCollect(ctx context.Context, now time.Time) (int, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, storeErr(err)
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, gcLockKey).Scan(&locked); err != nil {
		return 0, storeErr(err)
	}
	if !locked {
		return 0, nil
	}
	defer func() {
		// A fresh context: the unlock must happen even when ctx ended,
		// or the pooled connection would keep the lock.
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, gcLockKey); err != nil {
			conn.Conn().Close(context.Background())
		}
	}()
	total, per := 0, zerolog.Dict()
	for _, e := range expirable {
		n := 0
		for {
			tag, err := conn.Exec(ctx, fmt.Sprintf(`DELETE FROM %[1]s WHERE ctid IN (
				SELECT ctid FROM %[1]s WHERE expires_at <= $1 LIMIT %[2]d FOR UPDATE SKIP LOCKED)`, e.table, gcBatch), now.Add(-e.grace))
			if err != nil {
				return total, storeErr(err)
			}
			n += int(tag.RowsAffected())
			if tag.RowsAffected() < gcBatch {
				break
			}
		}
		total += n
		per.Int(e.table, n)
	}
	if err := pruneChanges(ctx, conn.Conn()); err != nil { // changes.go
		return total, storeErr(err)
	}
	if total > 0 {
		s.log.Debug().Dict("removed", per).Int("total", total).Msg("postgres: expired records deleted")
	}
	return total, nil
}
