package badger

import (
	"context"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// TouchSession records the session's last use at now from ip, keeping
// its expiry (and so its Badger TTL) as it was; a touch not after the
// stored one writes nothing.
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time, ip string) error {
	k := key(kindSession, id)
	return s.update(ctx, func(txn *bdg.Txn) error {
		var r sessionV1
		if err := get(txn, k, &r); err != nil {
			return err
		}
		if expired(r.ExpiresAt, now) {
			return authcore.ErrNotFound
		}
		if !now.After(r.LastSeenAt) {
			return nil
		}
		r.LastSeenAt, r.LastSeenIP = now, ip
		return put(txn, k, r, r.ExpiresAt)
	})
}
