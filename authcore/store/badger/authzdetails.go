package badger

import (
	"context"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// kindDetailType keys the registered RFC 9396 authorization_details
// types: v1/authz-detail-type/<name>.
const kindDetailType = "authz-detail-type"

// detailTypeV1 is the stored form of authcore.AuthorizationDetailType.
type detailTypeV1 struct {
	Type            string    `json:"type"`
	Description     string    `json:"description,omitempty"`
	Schema          string    `json:"schema"`
	ConsentTemplate string    `json:"consent_template"`
	CreatedAt       time.Time `json:"created"`
	UpdatedAt       time.Time `json:"updated"`
}

// A struct conversion: it stops compiling when the domain type changes.
func (r detailTypeV1) domain() authcore.AuthorizationDetailType {
	return authcore.AuthorizationDetailType(r)
}

// CreateAuthorizationDetailType stores a new type; an existing name is
// authcore.ErrAlreadyExists.
func (s *Store) CreateAuthorizationDetailType(ctx context.Context, t authcore.AuthorizationDetailType) error {
	if t.Type == "" {
		return errEmptyID
	}
	k := key(kindDetailType, t.Type)
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, k); err != nil || ok {
			return orExists(err)
		}
		return put(txn, k, detailTypeV1(t), time.Time{})
	})
}

// GetAuthorizationDetailType returns the type, or authcore.ErrNotFound.
func (s *Store) GetAuthorizationDetailType(ctx context.Context, name string) (authcore.AuthorizationDetailType, error) {
	var r detailTypeV1
	err := s.view(ctx, func(txn *bdg.Txn) error { return get(txn, key(kindDetailType, name), &r) })
	return r.domain(), err
}

// ListAuthorizationDetailTypes returns every type, ordered by name.
func (s *Store) ListAuthorizationDetailTypes(ctx context.Context) ([]authcore.AuthorizationDetailType, error) {
	return list(ctx, s, prefix(kindDetailType), func(r detailTypeV1) (authcore.AuthorizationDetailType, bool) {
		return r.domain(), true
	})
}

// UpdateAuthorizationDetailType applies fn to the stored type in one
// transaction, rerun on conflict; the name cannot change.
func (s *Store) UpdateAuthorizationDetailType(ctx context.Context, name string,
	fn func(authcore.AuthorizationDetailType) (authcore.AuthorizationDetailType, error)) error {
	k := key(kindDetailType, name)
	return s.update(ctx, func(txn *bdg.Txn) error {
		var r detailTypeV1
		if err := get(txn, k, &r); err != nil {
			return err
		}
		t, err := fn(r.domain())
		if err != nil {
			return callerErr{err}
		}
		if t.Type != name {
			return errIDChanged
		}
		return put(txn, k, detailTypeV1(t), time.Time{})
	})
}

// DeleteAuthorizationDetailType removes the type, or returns
// authcore.ErrNotFound.
func (s *Store) DeleteAuthorizationDetailType(ctx context.Context, name string) error {
	return s.update(ctx, func(txn *bdg.Txn) error { return del(txn, key(kindDetailType, name)) })
}
