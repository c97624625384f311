package gateway

import (
	"context"
	"errors"
)

// Revocations answers whether an access token (by jti) was revoked. The
// embedded gateway passes the store (authcore.Grants has this method and
// sees revocations at once); a standalone gateway passes a *FeedClient.
//
// An error means the answer is unknown: the route's RevocationFailOpen
// decides whether the request proceeds (default: it does not, and gets
// 503). A true answer always denies, even together with an error.
type Revocations interface {
	IsRevoked(ctx context.Context, jti string) (bool, error)
}

// ErrFeedDisconnected is returned by (*FeedClient).IsRevoked for a jti
// it does not know while the feed is not connected and in sync.
var ErrFeedDisconnected = errors.New("gateway: revocation feed disconnected")

// NoRevocations is a Revocations that knows of none. It is for tests and
// for issuers without revocation; New refuses a nil Revocations so that
// running without one is always a visible choice.
type NoRevocations struct{}

// IsRevoked implements Revocations.
func (NoRevocations) IsRevoked(context.Context, string) (bool, error) { return false, nil }
