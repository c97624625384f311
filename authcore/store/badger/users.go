package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// userV1 is the stored form of authcore.User under v1/user/<id>. Its
// username is also indexed under v1/username/<username> -> id.
type userV1 struct {
	ID           string      `json:"id"`
	Username     string      `json:"username"`
	Email        string      `json:"email,omitempty"`
	DisplayName  string      `json:"display_name,omitempty"`
	PasswordHash string      `json:"password_hash,omitempty"`
	Disabled     bool        `json:"disabled,omitempty"`
	Admin        bool        `json:"admin,omitempty"`
	RequireMFA   bool        `json:"require_mfa,omitempty"`
	FailedLogins []time.Time `json:"failed_logins,omitempty"`
	LockedUntil  time.Time   `json:"locked_until"`
	CreatedAt    time.Time   `json:"created"`
	UpdatedAt    time.Time   `json:"updated"`
}

// The conversions below are struct conversions on purpose: they stop
// compiling when authcore.User gains or changes a field, which is when
// userV1 needs a look (and perhaps a v2). The JSON tags fix the format.
func userRecord(u authcore.User) userV1 { return userV1(u) }

func (r userV1) domain() authcore.User { return authcore.User(r) }

var errEmptyUsername = errors.New("badger: user has an empty username")

// CreateUser stores a new user. An existing ID or username is
// authcore.ErrAlreadyExists. Usernames are compared byte for byte;
// normalising them is the caller's business.
func (s *Store) CreateUser(ctx context.Context, u authcore.User) error {
	if u.ID == "" {
		return errEmptyID
	}
	if u.Username == "" {
		return errEmptyUsername
	}
	uk, nk := key(kindUser, u.ID), key(kindUsername, u.Username)
	defer s.users.forget(u.ID)
	return s.update(ctx, func(txn *bdg.Txn) error {
		for _, k := range [][]byte{uk, nk} {
			if ok, err := exists(txn, k); err != nil || ok {
				return orExists(err)
			}
		}
		if err := txn.Set(nk, []byte(u.ID)); err != nil {
			return err
		}
		return put(txn, uk, userRecord(u), time.Time{})
	})
}

// GetUser returns the user id, or authcore.ErrNotFound. Users are
// served from memory after the first read (clientcache.go).
func (s *Store) GetUser(ctx context.Context, id string) (authcore.User, error) {
	r, ok, gen := s.users.get(id)
	if ok {
		return r.cloned(), nil
	}
	err := s.view(ctx, func(txn *bdg.Txn) error { return get(txn, key(kindUser, id), &r) })
	if err == nil {
		s.users.fill(id, r, gen)
	}
	return r.cloned(), err
}

// GetUserByUsername returns the user with that exact username, or
// authcore.ErrNotFound.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (authcore.User, error) {
	var r userV1
	err := s.view(ctx, func(txn *bdg.Txn) error {
		item, err := txn.Get(key(kindUsername, username))
		if errors.Is(err, bdg.ErrKeyNotFound) {
			return authcore.ErrNotFound
		}
		if err != nil {
			return err
		}
		id, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		return get(txn, key(kindUser, string(id)), &r)
	})
	return r.domain(), err
}

// ListUsers returns every user, ordered by ID.
func (s *Store) ListUsers(ctx context.Context) ([]authcore.User, error) {
	return list(ctx, s, prefix(kindUser), func(r userV1) (authcore.User, bool) { return r.domain(), true })
}

// UpdateUser applies fn to the stored user in one transaction, moving the
// username index if fn renames the user (a taken username is
// authcore.ErrAlreadyExists). An error from fn is returned as is and
// nothing is written; fn may not change the ID.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(authcore.User) (authcore.User, error)) error {
	uk := key(kindUser, id)
	defer s.users.forget(id)
	return s.update(ctx, func(txn *bdg.Txn) error {
		var r userV1
		if err := get(txn, uk, &r); err != nil {
			return err
		}
		u, err := fn(r.domain())
		switch {
		case err != nil:
			return callerErr{err}
		case u.ID != id:
			return errIDChanged
		case u.Username == "":
			return errEmptyUsername
		}
		if u.Username != r.Username {
			nk := key(kindUsername, u.Username)
			if ok, err := exists(txn, nk); err != nil || ok {
				return orExists(err)
			}
			if err := txn.Delete(key(kindUsername, r.Username)); err != nil {
				return err
			}
			if err := txn.Set(nk, []byte(id)); err != nil {
				return err
			}
		}
		return put(txn, uk, userRecord(u), time.Time{})
	})
}

// DeleteUser removes the user id with its username, consents, factors, browser
// sessions and federated links, in one transaction, or returns
// authcore.ErrNotFound. Grants issued to the user are left for the
// caller to revoke.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	defer s.users.forget(id)
	return s.update(ctx, func(txn *bdg.Txn) error {
		var r userV1
		if err := get(txn, key(kindUser, id), &r); err != nil {
			return err
		}
		dead := [][]byte{key(kindUser, id), key(kindUsername, r.Username)}
		dead = append(dead, scanKeys(txn, prefix(kindConsent, id))...)
		dead = append(dead, scanKeys(txn, prefix(kindFactor, id))...)
		for _, ik := range scanKeys(txn, prefix(kindSessionByUser, id)) {
			dead = append(dead, ik, key(kindSession, lastPart(ik)))
		}
		for _, ik := range scanKeys(txn, prefix(kindFedLinkByUser, id)) {
			iss, sub := linkParts(ik)
			dead = append(dead, ik, key(kindFedLink, iss, sub))
		}
		for _, k := range dead {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
