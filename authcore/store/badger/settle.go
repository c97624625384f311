package badger

import (
	"context"
	"time"
)

// Settle waits until no level of the store's tree is past the size that
// makes Badger compact it: the state a server that has run for a while
// keeps its store in. A bulk load (lkbench's fill) writes faster than
// compactions keep up, and without this its first restart would spend a
// minute rewriting the tree. It returns ctx's error if ctx ends first.
func (s *Store) Settle(ctx context.Context) error {
	const poll = 200 * time.Millisecond
	for {
		if s.settled() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// settled reports whether every level is within its compaction target
// (Badger compacts a level whose score reaches 1).
func (s *Store) settled() bool {
	for _, l := range s.db.Levels() {
		if l.Score >= 1 {
			return false
		}
	}
	return true
}
