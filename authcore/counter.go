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
	// GetCounter returns the count of key at now and its window's end;
	// 0 and the zero time for an absent or ended counter. It changes
	// nothing.
	GetCounter(ctx context.Context, key string, now time.Time) (n int, until time.Time, err error)
}
