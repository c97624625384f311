package authcore

import (
	"context"
	"time"
)

// Counters count events per key in fixed windows, for the throttles that
// must hold across every node sharing a store: failed client
// authentications and failed logins per client and per address. A
// password guesser spreading its attempts over several nodes meets the
// same count as on one.
//
// A counter lives from its first event until the end of its window
// (absolute and exclusive, like every expiry in Storage): an increment at
// or after that end starts a new window at 1. Counts are not durable
// evidence: a backend for one node may keep them in memory, so they
// start again at zero after a restart (which an attacker cannot force).
type Counters interface {
	// IncrementCounter adds one to the counter key at now and returns the
	// count within its window and the window's end. An absent or ended
	// counter starts at 1 with a window ending at now+window. Concurrent
	// increments on any node sharing the store all count: n values
	// returned for one window are distinct.
	IncrementCounter(ctx context.Context, key string, window time.Duration, now time.Time) (n int, until time.Time, err error)
	// MaxCounter returns the highest count at now among keys, and the
	// latest window end among the keys with that count; 0 and the zero
	// time when every counter is absent or ended. It changes nothing, and
	// reads all keys at once: a throttle that checks a client and an
	// address on every request pays one read, not one per key.
	MaxCounter(ctx context.Context, now time.Time, keys ...string) (n int, until time.Time, err error)
}
