package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// onceV1 is the stored form of a single-use value under
// v1/once/<kind>/<id>. Only the fact of use and its expiry are kept.
type onceV1 struct {
	ExpiresAt time.Time `json:"exp"`
	UsedAt    time.Time `json:"used"`
}

// UseOnce records (kind, id) as used until expiresAt (authcore.Nonces).
// One transaction reads and writes the same key, so of many concurrent
// callers exactly one commits; the others conflict, run again, find the
// winner's record and get authcore.ErrConsumed. A record past its own
// expiry at the store's clock counts as absent even while Badger's TTL
// (whole seconds, rounded up) still shows it. SyncWrites makes the
// commit durable before nil is returned.
func (s *Store) UseOnce(ctx context.Context, kind, id string, expiresAt time.Time) error {
	if kind == "" || id == "" {
		return errEmptyID
	}
	now := s.now()
	if !now.Before(expiresAt) {
		return authcore.ErrConsumed
	}
	k := key(kindOnce, kind, id)
	err := s.update(ctx, func(txn *bdg.Txn) error {
		var r onceV1
		switch err := get(txn, k, &r); {
		case err == nil && !expired(r.ExpiresAt, now):
			return authcore.ErrConsumed
		case err != nil && !errors.Is(err, authcore.ErrNotFound):
			return err
		}
		return put(txn, k, onceV1{ExpiresAt: expiresAt, UsedAt: now}, expiresAt)
	})
	if errors.Is(err, authcore.ErrConflict) {
		// Every attempt lost to another writer of this very key: some
		// other caller used the value. Fail closed.
		return authcore.ErrConsumed
	}
	return err
}
