package authcore

import (
	"context"
	"time"
)

// Keyset is a Keys store whose signing keys carry a version that every
// write to them changes, so that several nodes sharing the store change
// keys by compare-and-swap and notice each other's changes by reading one
// number.
type Keyset interface {
	Keys
	// SigningKeysVersion returns the keyset's version. Every write to
	// the signing keys (PutSigningKeys, DeleteSigningKey,
	// SwapSigningKeys, a restore) changes it; nothing else does.
	SigningKeysVersion(ctx context.Context) (int64, error)
	// SwapSigningKeys writes put and deletes the keys named in remove
	// (an absent one is no error) in one transaction, if the version is
	// still version, and returns the new version. If another writer
	// changed the keyset since, it writes nothing and returns
	// ErrConflict: the caller reads the keyset again and redoes its
	// change on what it finds.
	SwapSigningKeys(ctx context.Context, version int64, put []SigningKey, remove []string) (int64, error)
}

// Node is one server process of a deployment, as its heartbeats record
// it.
type Node struct {
	ID        string
	Version   string
	Address   string
	StartedAt time.Time
	LastSeen  time.Time
}

// Cluster is what the nodes sharing a store know of each other: who is
// alive (heartbeats), who runs the background work (leases), and whether
// the store answers at all. A Badger store is one node's.
type Cluster interface {
	// Heartbeat records n (creating or replacing its record, keyed by
	// ID) with LastSeen as given.
	Heartbeat(ctx context.Context, n Node) error
	// ListNodes returns every node that sent a heartbeat at or after
	// since, by ID.
	ListNodes(ctx context.Context, since time.Time) ([]Node, error)
	// AcquireLease makes holder the holder of the lease name until
	// now+ttl if nobody holds it, holder already does (a renewal), or
	// the holder's lease ended before now. It reports whether holder
	// holds the lease; of concurrent callers at most one gets true.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease ends holder's lease name at once, so another node
	// takes over without waiting for it to expire; a lease held by
	// someone else is left alone.
	ReleaseLease(ctx context.Context, name, holder string) error
	// Ready checks cheaply that the store answers and its schema is the
	// one this binary needs; the error says what is wrong.
	Ready(ctx context.Context) error
}
