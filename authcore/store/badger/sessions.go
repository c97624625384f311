package badger

import (
	"context"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// sessionV1 is the stored form of authcore.Session under v1/session/<id>;
// v1/session-by-user/<user>/<id> indexes it with the same expiry.
type sessionV1 struct {
	ID               string    `json:"id"`
	UserID           string    `json:"user"`
	AuthTime         time.Time `json:"auth_time"`
	ExpiresAt        time.Time `json:"exp"`
	CreatedAt        time.Time `json:"created"`
	RemoteIP         string    `json:"ip,omitempty"`
	UserAgent        string    `json:"ua,omitempty"`
	IdentityProvider string    `json:"idp,omitempty"`
	ACR              string    `json:"acr,omitempty"`
	AMR              []string  `json:"amr,omitempty"`
	LastSeenAt       time.Time `json:"seen,omitzero"`
	LastSeenIP       string    `json:"seen_ip,omitempty"`
}

func (r sessionV1) domain() authcore.Session { return authcore.Session(r) }

// indexV1 is the value of an index entry: only the expiry, so garbage
// collection can treat it like any other expirable record.
type indexV1 struct {
	ExpiresAt time.Time `json:"exp"`
}

// CreateSession stores a new browser session; an existing ID is
// authcore.ErrAlreadyExists.
func (s *Store) CreateSession(ctx context.Context, ss authcore.Session) error {
	if ss.ID == "" || ss.UserID == "" {
		return errEmptyID
	}
	k := key(kindSession, ss.ID)
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, k); err != nil || ok {
			return orExists(err)
		}
		if err := put(txn, key(kindSessionByUser, ss.UserID, ss.ID), indexV1{ss.ExpiresAt}, ss.ExpiresAt); err != nil {
			return err
		}
		return put(txn, k, sessionV1(ss), ss.ExpiresAt)
	})
}

// GetSession returns the session id, or authcore.ErrNotFound if it is
// unknown or expired by the store's clock.
func (s *Store) GetSession(ctx context.Context, id string) (authcore.Session, error) {
	var r sessionV1
	err := s.view(ctx, func(txn *bdg.Txn) error {
		if err := get(txn, key(kindSession, id), &r); err != nil {
			return err
		}
		if expired(r.ExpiresAt, s.now()) {
			return authcore.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return authcore.Session{}, err
	}
	return r.domain(), nil
}

// ListSessions returns the live sessions of userID, ordered by ID.
func (s *Store) ListSessions(ctx context.Context, userID string) ([]authcore.Session, error) {
	now := s.now()
	var out []authcore.Session
	err := s.view(ctx, func(txn *bdg.Txn) error {
		for _, ik := range scanKeys(txn, prefix(kindSessionByUser, userID)) {
			var r sessionV1
			err := get(txn, key(kindSession, lastPart(ik)), &r)
			if err == authcore.ErrNotFound || (err == nil && expired(r.ExpiresAt, now)) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, r.domain())
		}
		return nil
	})
	return out, err
}

// DeleteSession removes the session id (expired or not), or returns
// authcore.ErrNotFound.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	k := key(kindSession, id)
	return s.update(ctx, func(txn *bdg.Txn) error {
		var r sessionV1
		if err := get(txn, k, &r); err != nil {
			return err
		}
		if err := txn.Delete(key(kindSessionByUser, r.UserID, id)); err != nil {
			return err
		}
		return txn.Delete(k)
	})
}
