package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// revocationV1 is the stored form of authcore.Revocation under
// v1/revoked/<jti>. It carries no Badger TTL: Badger judges a TTL by the
// wall clock at read and at compaction, so a clock that jumped ahead
// would hide and then drop it for good. Only the collector removes it,
// after the token's exp plus authcore.MaxClockSkew (gc.go).
type revocationV1 struct {
	JTI       string    `json:"jti"`
	ExpiresAt time.Time `json:"exp"`
	RevokedAt time.Time `json:"revoked"`
}

var errEmptyJTI = errors.New("badger: revocation has an empty jti")

// RevokeAccessToken records r.JTI as revoked until r.ExpiresAt (for ever
// if that is zero). It is a blind write: revoking twice is harmless.
func (s *Store) RevokeAccessToken(ctx context.Context, r authcore.Revocation) error {
	if r.JTI == "" {
		return errEmptyJTI
	}
	return s.update(ctx, func(txn *bdg.Txn) error { return revoke(txn, r) })
}

func revoke(txn *bdg.Txn, r authcore.Revocation) error {
	return put(txn, key(kindRevoked, r.JTI), revocationV1(r), time.Time{})
}

// IsRevoked reports whether the access token jti was revoked. It is one
// Get of one key and decodes nothing, and none at all for a jti already
// read as not revoked with no write committed since (unrevoked.go): it
// runs on every request the gateway and introspection see. A revocation
// whose token has expired answers true until the collector removes it,
// which fails closed.
func (s *Store) IsRevoked(ctx context.Context, jti string) (bool, error) {
	e := s.unrevoked.epoch() // before the read (unrevoked.go)
	if s.unrevoked.known(jti, e) {
		return false, nil
	}
	var revoked bool
	err := s.view(ctx, func(txn *bdg.Txn) error {
		var err error
		revoked, err = exists(txn, key(kindRevoked, jti))
		return err
	})
	if err == nil && !revoked {
		s.unrevoked.remember(jti, e)
	}
	return revoked, err
}

// ListRevocations returns the access-token revocations still in force at
// now (those whose token has not expired), for the revocation feed.
func (s *Store) ListRevocations(ctx context.Context, now time.Time) ([]authcore.Revocation, error) {
	return list(ctx, s, prefix(kindRevoked), func(r revocationV1) (authcore.Revocation, bool) {
		return authcore.Revocation(r), r.ExpiresAt.IsZero() || r.ExpiresAt.After(now)
	})
}
