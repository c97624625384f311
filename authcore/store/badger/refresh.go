package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// refreshV1 is the stored form of authcore.RefreshToken under
// v1/rt/<hash>; v1/rt-by-grant/<grant>/<hash> indexes the family with the
// same expiry. A rotated token stays until it expires, so its reuse is
// recognised.
type refreshV1 struct {
	Hash      string    `json:"hash"`
	GrantID   string    `json:"grant"`
	ClientID  string    `json:"client"`
	UserID    string    `json:"user,omitempty"`
	Scopes    []string  `json:"scopes,omitempty"`
	ExpiresAt time.Time `json:"exp"`
	CreatedAt time.Time `json:"created"`
	Rotated   bool      `json:"rotated,omitempty"`
	RotatedAt time.Time `json:"rotated_at"`
	NextHash  string    `json:"next,omitempty"`
	JKT       string    `json:"jkt,omitempty"`
	X5T       string    `json:"x5t_s256,omitempty"`
}

func (r refreshV1) domain() authcore.RefreshToken { return authcore.RefreshToken(r) }

var errSameHash = errors.New("badger: a refresh token cannot succeed itself")

// putNewRT stores rt and its family index entry; an existing hash is
// authcore.ErrAlreadyExists.
func putNewRT(txn *bdg.Txn, rt authcore.RefreshToken) error {
	k := key(kindRT, rt.Hash)
	if ok, err := exists(txn, k); err != nil || ok {
		return orExists(err)
	}
	if err := put(txn, key(kindRTByGrant, rt.GrantID, rt.Hash), indexV1{rt.ExpiresAt}, rt.ExpiresAt); err != nil {
		return err
	}
	return put(txn, k, refreshV1(rt), rt.ExpiresAt)
}

// GetRefreshToken returns the refresh token with that hash, rotated or
// not, or authcore.ErrNotFound if it is unknown, expired by the store's
// clock, or its grant was revoked.
func (s *Store) GetRefreshToken(ctx context.Context, hash string) (authcore.RefreshToken, error) {
	var r refreshV1
	err := s.view(ctx, func(txn *bdg.Txn) error {
		if err := get(txn, key(kindRT, hash), &r); err != nil {
			return err
		}
		if expired(r.ExpiresAt, s.now()) {
			return authcore.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return authcore.RefreshToken{}, err
	}
	return r.domain(), nil
}

// RotateRefreshToken marks the token at oldHash rotated, stores next as
// its successor and records at (if its JTI is set) on the grant, in one
// transaction that reads and writes the old token's key. It returns the
// old token as now stored (Rotated, NextHash = next.Hash).
//
// Of many concurrent callers exactly one commits; the others conflict, run
// again, and get the stored (rotated) record with authcore.ErrConsumed, as
// does any later caller: that is refresh-token reuse. A token unknown or
// expired at now, or whose grant is revoked or expired, is
// authcore.ErrNotFound. An empty next.GrantID is set to the old token's.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, next authcore.RefreshToken, at authcore.IssuedToken, now time.Time) (authcore.RefreshToken, error) {
	if next.Hash == "" {
		return authcore.RefreshToken{}, errEmptyID
	}
	if next.Hash == oldHash {
		return authcore.RefreshToken{}, errSameHash
	}
	ok := key(kindRT, oldHash)
	var old refreshV1
	// What GetRefreshFamily decoded of these records, if it read them
	// (familyreads.go): each is reused only if its bytes are unchanged.
	known, _ := s.families.take(oldHash)
	err := s.update(ctx, func(txn *bdg.Txn) error {
		old = refreshV1{}
		if err := getKnown(txn, ok, &old, known.rtRaw, known.rt, refreshV1.clone); err != nil {
			return err
		}
		if expired(old.ExpiresAt, now) {
			return authcore.ErrNotFound
		}
		gk := key(kindGrant, old.GrantID)
		var g grantV1
		if err := getKnown(txn, gk, &g, known.gRaw, known.g, grantV1.clone); err != nil {
			return err
		}
		if g.Revoked || expired(g.ExpiresAt, now) {
			return authcore.ErrNotFound
		}
		if old.Rotated {
			return authcore.ErrConsumed
		}
		succ, err := next.InGrant(old.GrantID)
		if err != nil {
			return err
		}
		if err := putNewRT(txn, succ); err != nil {
			return err
		}
		old.Rotated, old.RotatedAt, old.NextHash = true, now, succ.Hash
		if err := put(txn, ok, old, old.ExpiresAt); err != nil {
			return err
		}
		// The grant is written even without an access token: RevokeGrant
		// reads it, so a rotation racing a revocation makes one of the
		// two conflict and never leaves a successor (or an access token
		// under its own key, access.go) behind a revocation.
		if at.JTI != "" {
			if err := putAccess(txn, old.GrantID, issuedV1(at)); err != nil {
				return err
			}
		}
		if err := g.moveAccess(txn, now); err != nil {
			return err
		}
		return put(txn, gk, g, g.ExpiresAt)
	})
	if err != nil && !errors.Is(err, authcore.ErrConsumed) {
		return authcore.RefreshToken{}, err
	}
	return old.domain(), err
}

// RevokeGrant marks the grant revoked, deletes every refresh token of its
// family and revokes every unexpired access token issued under it, in one
// transaction. Revoking a revoked grant again sweeps again but keeps the
// first RevokedAt and reason. An unknown grant is authcore.ErrNotFound.
func (s *Store) RevokeGrant(ctx context.Context, id, reason string, now time.Time) error {
	gk := key(kindGrant, id)
	return s.update(ctx, func(txn *bdg.Txn) error {
		var g grantV1
		if err := get(txn, gk, &g); err != nil {
			return err
		}
		for _, ik := range scanKeys(txn, prefix(kindRTByGrant, id)) {
			if err := txn.Delete(key(kindRT, lastPart(ik))); err != nil {
				return err
			}
			if err := txn.Delete(ik); err != nil {
				return err
			}
		}
		keyed, err := accessOf(txn, id)
		if err != nil {
			return err
		}
		for _, t := range append(keyed, g.AccessJTIs...) { // its keys', and a record's written before
			if expired(t.ExpiresAt, now) {
				continue
			}
			if err := revoke(txn, authcore.Revocation{JTI: t.JTI, ExpiresAt: t.ExpiresAt, RevokedAt: now}); err != nil {
				return err
			}
		}
		if !g.Revoked {
			g.Revoked, g.RevokedAt, g.RevokedReason = true, now, reason
		}
		return put(txn, gk, g, g.ExpiresAt)
	})
}
