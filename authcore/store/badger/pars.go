package badger

import (
	"context"
	"errors"
	"maps"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// parV1 is the stored form of authcore.PushedRequest under
// v1/par/<hash>.
type parV1 struct {
	Hash      string            `json:"hash"`
	ClientID  string            `json:"client"`
	Params    map[string]string `json:"params"`
	ExpiresAt time.Time         `json:"exp"`
	CreatedAt time.Time         `json:"created"`
}

// CreatePushedRequest stores a pushed authorization request (RFC 9126
// §2.2); an existing hash is authcore.ErrAlreadyExists.
func (s *Store) CreatePushedRequest(ctx context.Context, r authcore.PushedRequest) error {
	if r.Hash == "" || r.ClientID == "" {
		return errEmptyID
	}
	k := key(kindPAR, r.Hash)
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, k); err != nil || ok {
			return orExists(err)
		}
		return put(txn, k, parV1{Hash: r.Hash, ClientID: r.ClientID, Params: maps.Clone(r.Params),
			ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}, r.ExpiresAt)
	})
}

// GetPushedRequest returns the live pushed request at hash, or
// authcore.ErrNotFound (also once it expired at the store's clock).
func (s *Store) GetPushedRequest(ctx context.Context, hash string) (authcore.PushedRequest, error) {
	var r parV1
	err := s.view(ctx, func(txn *bdg.Txn) error { return get(txn, key(kindPAR, hash), &r) })
	if err == nil && expired(r.ExpiresAt, s.now()) {
		err = authcore.ErrNotFound
	}
	if err != nil {
		return authcore.PushedRequest{}, err
	}
	return authcore.PushedRequest{Hash: r.Hash, ClientID: r.ClientID, Params: r.Params,
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}, nil
}

// DeletePushedRequest removes the pushed request at hash; an unknown
// hash is not an error.
func (s *Store) DeletePushedRequest(ctx context.Context, hash string) error {
	err := s.update(ctx, func(txn *bdg.Txn) error { return del(txn, key(kindPAR, hash)) })
	if errors.Is(err, authcore.ErrNotFound) {
		return nil
	}
	return err
}
