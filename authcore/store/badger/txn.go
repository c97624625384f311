package badger

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/otel/trace"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// maxAttempts bounds how often a transaction that lost a conflict is run
// again. Each attempt re-reads everything, so a single-use operation whose
// record was consumed by the winner sees that and answers ErrConsumed.
const maxAttempts = 40

// update runs fn in a read-write transaction and commits it, running it
// again from scratch when Badger reports a conflict. After maxAttempts
// conflicts it gives up with authcore.ErrConflict. fn must not keep state
// across attempts except through what it reads in txn.
func (s *Store) update(ctx context.Context, fn func(txn *bdg.Txn) error) error {
	_, span := trace.SpanFromContext(ctx).TracerProvider().Tracer("latchkey/store").Start(ctx, "store.update")
	defer span.End()
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.Writable(); err != nil {
			return err
		}
		large := vlogWrites.Load()
		err := s.db.Update(fn)
		s.unrevoked.wrote() // before the acknowledgement (unrevoked.go)
		if err == nil {
			if vlogWrites.Load() != large {
				// fn noted a large value before its commit; a round that
				// ran meanwhile may have synced the value log before the
				// value was in it and taken the count. Moving the count
				// after the commit makes the round we wait for sync it.
				vlogWrites.Add(1)
			}
			return s.sync()
		}
		if !errors.Is(err, bdg.ErrConflict) {
			var ce callerErr
			if errors.As(err, &ce) {
				return ce.err
			}
			return storeErr(err)
		}
		if attempt == maxAttempts {
			return authcore.ErrConflict
		}
		// Jittered backoff keeps the losers of a hot key from
		// colliding again in lockstep.
		time.Sleep(time.Duration(rand.Int64N(int64(attempt)*int64(200*time.Microsecond) + 1)))
	}
}

// sync returns once what was committed before the call is durable (a
// no-op with NoSyncWrites and in memory).
func (s *Store) sync() error {
	if s.durable == nil {
		return nil
	}
	return storeErr(s.durable.wait())
}

// view runs fn in a read-only transaction.
func (s *Store) view(ctx context.Context, fn func(txn *bdg.Txn) error) error {
	_, span := trace.SpanFromContext(ctx).TracerProvider().Tracer("latchkey/store").Start(ctx, "store.view")
	defer span.End()
	if err := ctx.Err(); err != nil {
		return err
	}
	return storeErr(s.db.View(fn))
}

// get decodes the record at k into v; a missing or TTL-expired key is
// authcore.ErrNotFound. In a read-write transaction the read is recorded,
// so a concurrent write to k makes the commit conflict.
func get(txn *bdg.Txn, k []byte, v any) error {
	return getBytes(txn, k, func(b []byte) error { return unmarshal(b, v) })
}

// recordDecoder is a stored form with a decoder of its own, equal to
// json.Unmarshal's result and cheaper (codeV1: codes_json.go).
type recordDecoder interface {
	decodeRecord(b []byte) error
}

// unmarshal is json.Unmarshal, or v's own decoder when it has one.
func unmarshal(b []byte, v any) error {
	if d, ok := v.(recordDecoder); ok {
		return d.decodeRecord(b)
	}
	return json.Unmarshal(b, v)
}

// getBytes calls fn with the stored bytes at k, valid only during the
// call; a missing or TTL-expired key is authcore.ErrNotFound. The read is
// recorded as get's is.
func getBytes(txn *bdg.Txn, k []byte, fn func([]byte) error) error {
	item, err := txn.Get(k)
	if errors.Is(err, bdg.ErrKeyNotFound) {
		return authcore.ErrNotFound
	}
	if err != nil {
		return err
	}
	return item.Value(fn)
}

// exists reports whether k is present (and recorded as read).
func exists(txn *bdg.Txn, k []byte) (bool, error) {
	_, err := txn.Get(k)
	if errors.Is(err, bdg.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// put encodes v at k. A non-zero exp becomes the entry's Badger TTL, so
// Badger hides and eventually drops the record after exp even if nothing
// collects it; the record's own expiry field is still checked on read.
func put(txn *bdg.Txn, k []byte, v any, exp time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	noteValue(b)
	e := bdg.NewEntry(k, b)
	e.ExpiresAt = ttl(exp)
	return txn.SetEntry(e)
}

// ttl converts an absolute expiry to Badger's ExpiresAt (Unix seconds,
// rounded up so Badger never hides a record before its expiry). Zero means
// no expiry.
func ttl(exp time.Time) uint64 {
	if exp.IsZero() {
		return 0
	}
	sec := exp.Unix()
	if exp.Nanosecond() > 0 {
		sec++
	}
	if sec < 1 {
		sec = 1
	}
	return uint64(sec)
}

// expired reports whether a record expiring at exp is dead at now. A zero
// exp never expires.
func expired(exp, now time.Time) bool {
	return !exp.IsZero() && !now.Before(exp)
}

// scan calls fn with the key and value of every record under p, in key
// order. The slices are valid only during the call.
func scan(txn *bdg.Txn, p []byte, fn func(k, v []byte) error) error {
	it := txn.NewIterator(bdg.IteratorOptions{Prefix: p, PrefetchValues: true, PrefetchSize: 64})
	defer it.Close()
	for it.Seek(p); it.ValidForPrefix(p); it.Next() {
		item := it.Item()
		if err := item.Value(func(v []byte) error { return fn(item.Key(), v) }); err != nil {
			return err
		}
	}
	return nil
}

// scanKeys returns copies of every key under p.
func scanKeys(txn *bdg.Txn, p []byte) [][]byte {
	it := txn.NewIterator(bdg.IteratorOptions{Prefix: p})
	defer it.Close()
	var keys [][]byte
	for it.Seek(p); it.ValidForPrefix(p); it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	return keys
}

// list decodes every record under p as an R and keeps the T that conv
// accepts.
func list[R any, T any](ctx context.Context, s *Store, p []byte, conv func(R) (T, bool)) ([]T, error) {
	var out []T
	err := s.view(ctx, func(txn *bdg.Txn) error {
		return scan(txn, p, func(_, v []byte) error {
			var r R
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if t, ok := conv(r); ok {
				out = append(out, t)
			}
			return nil
		})
	})
	return out, err
}
