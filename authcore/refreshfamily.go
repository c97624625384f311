package authcore

import "context"

// RefreshFamilies reads a refresh token together with its grant: the
// refresh grant needs both before it rotates, and a store that keeps them
// apart (PostgreSQL) reads them in one round trip instead of two.
type RefreshFamilies interface {
	// GetRefreshFamily returns what GetRefreshToken(hash) and then
	// GetGrant of its GrantID would: the token, rotated or not, or
	// ErrNotFound if it is unknown or expired by the store's clock; and
	// its grant, revoked or not, or nil if the grant is unknown or
	// expired. The two are read at once, never the grant of another
	// token. The grant's AccessJTIs may be left out (a refresh does not
	// need them, and the embedded store keeps them apart); GetGrant has
	// them.
	GetRefreshFamily(ctx context.Context, hash string) (RefreshToken, *Grant, error)
}
