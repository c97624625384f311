package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// nodeV1 is the stored form of authcore.Node under v1/node/<id>. A
// Badger store is opened by one process, so it holds that node only.
type nodeV1 struct {
	ID        string    `json:"id"`
	Version   string    `json:"version"`
	Address   string    `json:"address"`
	StartedAt time.Time `json:"started"`
	LastSeen  time.Time `json:"last_seen"`
}

// leaseV1 is the stored form of a lease under v1/lease/<name>.
type leaseV1 struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// Heartbeat records n.
func (s *Store) Heartbeat(ctx context.Context, n authcore.Node) error {
	if n.ID == "" {
		return errEmptyID
	}
	return s.update(ctx, func(txn *bdg.Txn) error {
		return put(txn, key(kindNode, n.ID), nodeV1(n), time.Time{})
	})
}

// ListNodes returns the nodes seen at or after since, by ID.
func (s *Store) ListNodes(ctx context.Context, since time.Time) ([]authcore.Node, error) {
	return list(ctx, s, prefix(kindNode), func(r nodeV1) (authcore.Node, bool) {
		return authcore.Node(r), !r.LastSeen.Before(since)
	})
}

// AcquireLease takes or renews the lease name in a transaction that reads
// it first, so of concurrent callers Badger lets one commit.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" {
		return false, errEmptyID
	}
	won := false
	err := s.update(ctx, func(txn *bdg.Txn) error {
		var l leaseV1
		err := get(txn, key(kindLease, name), &l)
		if err != nil && !errors.Is(err, authcore.ErrNotFound) {
			return err
		}
		won = err != nil || l.Holder == holder || l.Expires.Before(now)
		if !won {
			return nil
		}
		return put(txn, key(kindLease, name), leaseV1{Holder: holder, Expires: now.Add(ttl)}, time.Time{})
	})
	return won && err == nil, err
}

// ReleaseLease deletes holder's lease name.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	return s.update(ctx, func(txn *bdg.Txn) error {
		var l leaseV1
		if err := get(txn, key(kindLease, name), &l); err != nil || l.Holder != holder {
			if errors.Is(err, authcore.ErrNotFound) {
				return nil
			}
			return err
		}
		return txn.Delete(key(kindLease, name))
	})
}

// Ready reports whether the store takes writes: the database is open and
// the disk guard lets writes through.
func (s *Store) Ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.db.IsClosed() {
		return errors.New("badger: store closed")
	}
	return s.Writable()
}
