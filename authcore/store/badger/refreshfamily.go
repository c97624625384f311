package badger

import (
	"context"
	"errors"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// GetRefreshFamily returns the refresh token with that hash and its grant
// (nil if the grant is unknown or expired), read in one transaction; see
// authcore.RefreshFamilies.
func (s *Store) GetRefreshFamily(ctx context.Context, hash string) (authcore.RefreshToken, *authcore.Grant, error) {
	var r refreshV1
	var g *grantV1
	err := s.view(ctx, func(txn *bdg.Txn) error {
		now := s.now()
		rtRaw, err := getRaw(txn, key(kindRT, hash), &r)
		if err != nil {
			return err
		}
		if expired(r.ExpiresAt, now) {
			return authcore.ErrNotFound
		}
		var gr grantV1
		gRaw, err := getRaw(txn, key(kindGrant, r.GrantID), &gr)
		switch {
		case errors.Is(err, authcore.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		if !expired(gr.ExpiresAt, now) {
			g = &gr
			// For the rotation that follows (familyreads.go).
			s.families.put(hash, familyRead{rtRaw: rtRaw, gRaw: gRaw, rt: r.clone(), g: gr.clone()})
		}
		return nil
	})
	if err != nil {
		return authcore.RefreshToken{}, nil, err
	}
	if g == nil {
		return r.domain(), nil, nil
	}
	d := g.domain()
	return r.domain(), &d, nil
}
