package authcore

import (
	"context"
	"time"
)

// PushedRequest is a pushed authorization request (RFC 9126 §2): the
// parameters a client sent to /par (or inside a request object), kept
// server-side under the hash of the random part of its request_uri until
// it expires. It is bound to its client and single use: the authorization
// that completes with it spends it through Nonces.UseOnce, so exactly one
// of many concurrent completions wins (docs/security.md RL-05).
type PushedRequest struct {
	Hash      string            // hex SHA-256 of the request_uri's random part
	ClientID  string            // the authenticated client that pushed it
	Params    map[string]string // the authorization request parameters
	ExpiresAt time.Time
	CreatedAt time.Time
}

// PushedRequests stores pushed authorization requests (RFC 9126).
type PushedRequests interface {
	// CreatePushedRequest stores r; an existing hash is ErrAlreadyExists.
	CreatePushedRequest(ctx context.Context, r PushedRequest) error
	// GetPushedRequest returns the request, or ErrNotFound when it is
	// unknown, deleted or expired at the store's clock.
	GetPushedRequest(ctx context.Context, hash string) (PushedRequest, error)
	// DeletePushedRequest removes the request once it was used; an
	// unknown hash is not an error.
	DeletePushedRequest(ctx context.Context, hash string) error
}
