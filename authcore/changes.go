package authcore

import (
	"context"
	"time"
)

// Change is one committed change that other nodes sharing the store may
// have to act on: a revoked access token to pass on to standalone
// gateways, or a record they keep in memory to drop or reload. It names
// what changed, never a secret or the record's content.
type Change struct {
	// Kind is one of the Change* constants.
	Kind string
	// Ref is the changed record's key: the jti of ChangeRevoked, the
	// client or identity-provider id, the scope or setting name, the
	// signing key's kid.
	Ref string
	// ExpiresAt is the revoked token's expiry (ChangeRevoked); zero when
	// it never expires or for other kinds.
	ExpiresAt time.Time
}

// The kinds of Change.
const (
	ChangeRevoked = "revoked"
	ChangeClient  = "client"
	ChangeScope   = "scope"
	ChangeIdP     = "idp"
	ChangeSetting = "setting"
	ChangeKey     = "key"
)

// ChangeFeed is implemented by stores several nodes share (PostgreSQL):
// it tells a node what the others changed. A store for one process
// (Badger) does not implement it; its node sees its own changes at once.
type ChangeFeed interface {
	// WatchChanges calls fn, from one goroutine, with each batch of
	// changes committed after the call began, until ctx ends; then it
	// returns ctx's error. Every committed change is delivered at least
	// once (a batch may repeat one). When the store cannot promise that
	// (it lost track for longer than it keeps its change log), fn gets
	// a nil batch with resync true: the caller must reload everything it
	// keeps and treat what it passed on as incomplete.
	WatchChanges(ctx context.Context, fn func(batch []Change, resync bool)) error
}
