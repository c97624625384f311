package badger

import (
	"context"
	"slices"
	"strings"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// signingKeyV1 is the stored form of authcore.SigningKey under
// v1/key/<id>. PrivateDER is protected at rest only if the store is
// opened with an EncryptionKey.
type signingKeyV1 struct {
	ID          string    `json:"id"`
	Algorithm   string    `json:"alg"`
	State       string    `json:"state"`
	PrivateDER  []byte    `json:"private_der"`
	CreatedAt   time.Time `json:"created"`
	ActivatedAt time.Time `json:"activated"`
	RetiredAt   time.Time `json:"retired"`
	RemoveAfter time.Time `json:"remove_after"`
	RevokedAt   time.Time `json:"revoked"`
	RevokedWhy  string    `json:"revoked_why,omitempty"`
}

func signingKeyRecord(k authcore.SigningKey) signingKeyV1 {
	return signingKeyV1{
		ID: k.ID, Algorithm: k.Algorithm, State: string(k.State), PrivateDER: k.PrivateDER,
		CreatedAt: k.CreatedAt, ActivatedAt: k.ActivatedAt, RetiredAt: k.RetiredAt,
		RemoveAfter: k.RemoveAfter, RevokedAt: k.RevokedAt, RevokedWhy: k.RevokedWhy,
	}
}

func (r signingKeyV1) domain() authcore.SigningKey {
	return authcore.SigningKey{
		ID: r.ID, Algorithm: r.Algorithm, State: authcore.KeyState(r.State), PrivateDER: r.PrivateDER,
		CreatedAt: r.CreatedAt, ActivatedAt: r.ActivatedAt, RetiredAt: r.RetiredAt,
		RemoveAfter: r.RemoveAfter, RevokedAt: r.RevokedAt, RevokedWhy: r.RevokedWhy,
	}
}

// ListSigningKeys returns every signing key, oldest first.
func (s *Store) ListSigningKeys(ctx context.Context) ([]authcore.SigningKey, error) {
	keys, err := list(ctx, s, prefix(kindKey), func(r signingKeyV1) (authcore.SigningKey, bool) { return r.domain(), true })
	slices.SortStableFunc(keys, func(a, b authcore.SigningKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return keys, err
}

// PutSigningKeys creates or replaces every key in one transaction, so a
// rotation (new active key, old one retired) is all or nothing.
func (s *Store) PutSigningKeys(ctx context.Context, keys ...authcore.SigningKey) error {
	for _, k := range keys {
		if k.ID == "" {
			return errEmptyID
		}
	}
	return s.update(ctx, func(txn *bdg.Txn) error {
		_, err := writeKeys(txn, keys, nil)
		return err
	})
}

// DeleteSigningKey removes the key id, or returns authcore.ErrNotFound.
func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	return s.update(ctx, func(txn *bdg.Txn) error {
		if err := del(txn, key(kindKey, id)); err != nil {
			return err
		}
		_, err := bumpKeysetVersion(txn)
		return err
	})
}
