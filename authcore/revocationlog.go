package authcore

import (
	"context"
	"errors"
)

// ErrCursorExpired is returned by RevocationLog.RevocationsSince when the
// store no longer holds everything committed since the cursor (its
// change log was pruned past it), or the cursor is not one of its own:
// the caller takes a full list (ListRevocations) instead.
var ErrCursorExpired = errors.New("authcore: cursor expired")

// RevocationLog is implemented by stores that keep a log of recent
// revocations (PostgreSQL's change log): a standalone gateway that lost
// its feed for a while catches up with what was revoked meanwhile
// instead of the full list of every unexpired revocation. A cursor is
// opaque, valid on every node sharing the store, and expires after a
// while (ErrCursorExpired).
type RevocationLog interface {
	// RevocationCursor returns a cursor that stands now: a list taken
	// after it was returned (ListRevocations) holds every revocation
	// committed before it.
	RevocationCursor(ctx context.Context) (string, error)
	// RevocationsSince returns the revocations committed since cursor
	// (possibly with some committed shortly before: applying one twice
	// is harmless) and the cursor that stands after them.
	RevocationsSince(ctx context.Context, cursor string) ([]Revocation, string, error)
}
