package badger

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"slices"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// cibaV1 is the stored form of authcore.BackchannelRequest under
// v1/ciba/<hash>; v1/ciba-user/<user>/<hash> indexes it by user.
type cibaV1 struct {
	Hash              string    `json:"hash"`
	ClientID          string    `json:"client"`
	UserID            string    `json:"user"`
	Scopes            []string  `json:"scopes,omitempty"`
	ACRValues         []string  `json:"acr_values,omitempty"`
	BindingMessage    string    `json:"binding_message,omitempty"`
	NotificationToken string    `json:"notification_token,omitempty"`
	PingSeed          string    `json:"ping_seed,omitempty"`
	Status            string    `json:"status"`
	SessionID         string    `json:"sid,omitempty"`
	AuthTime          time.Time `json:"auth_time"`
	ACR               string    `json:"acr,omitempty"`
	AMR               []string  `json:"amr,omitempty"`
	Interval          int64     `json:"interval_ns"`
	LastPoll          time.Time `json:"last_poll"`
	Redeemed          bool      `json:"redeemed,omitempty"`
	GrantID           string    `json:"grant,omitempty"`
	ExpiresAt         time.Time `json:"exp"`
	CreatedAt         time.Time `json:"created"`
}

// cibaIndexV1 is the by-user index entry; exp lets GC collect it.
type cibaIndexV1 struct {
	ExpiresAt time.Time `json:"exp"`
}

func cibaRecord(r authcore.BackchannelRequest) cibaV1 {
	return cibaV1{Hash: r.Hash, ClientID: r.ClientID, UserID: r.UserID, Scopes: slices.Clone(r.Scopes),
		ACRValues: slices.Clone(r.ACRValues), BindingMessage: r.BindingMessage, NotificationToken: r.NotificationToken,
		PingSeed: r.PingSeed, Status: string(r.Status), SessionID: r.SessionID, AuthTime: r.AuthTime, ACR: r.ACR, AMR: slices.Clone(r.AMR),
		Interval: int64(r.Interval), LastPoll: r.LastPoll, Redeemed: r.Redeemed, GrantID: r.GrantID,
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}
}

func (r cibaV1) domain() authcore.BackchannelRequest {
	return authcore.BackchannelRequest{Hash: r.Hash, ClientID: r.ClientID, UserID: r.UserID, Scopes: r.Scopes,
		ACRValues: r.ACRValues, BindingMessage: r.BindingMessage, NotificationToken: r.NotificationToken,
		PingSeed: r.PingSeed, Status: authcore.DeviceStatus(r.Status), SessionID: r.SessionID, AuthTime: r.AuthTime, ACR: r.ACR, AMR: r.AMR,
		Interval: time.Duration(r.Interval), LastPoll: r.LastPoll, Redeemed: r.Redeemed, GrantID: r.GrantID,
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}
}

// CreateBackchannelRequest stores a CIBA request and its by-user index in
// one transaction; a taken hash is authcore.ErrAlreadyExists.
func (s *Store) CreateBackchannelRequest(ctx context.Context, r authcore.BackchannelRequest) error {
	if r.Hash == "" || r.UserID == "" {
		return errEmptyID
	}
	k := key(kindCIBA, r.Hash)
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, k); err != nil || ok {
			return orExists(err)
		}
		if err := put(txn, key(kindCIBAUser, r.UserID, r.Hash), cibaIndexV1{ExpiresAt: r.ExpiresAt}, r.ExpiresAt); err != nil {
			return err
		}
		return put(txn, k, cibaRecord(r), r.ExpiresAt)
	})
}

// ListBackchannelRequests returns the user's live CIBA requests, oldest
// first.
func (s *Store) ListBackchannelRequests(ctx context.Context, userID string) ([]authcore.BackchannelRequest, error) {
	now := s.now()
	var out []authcore.BackchannelRequest
	err := s.view(ctx, func(txn *bdg.Txn) error {
		p := prefix(kindCIBAUser, userID)
		return scan(txn, p, func(k, _ []byte) error {
			var r cibaV1
			switch err := get(txn, key(kindCIBA, lastSegment(k)), &r); {
			case errors.Is(err, authcore.ErrNotFound):
			case err != nil:
				return err
			case !expired(r.ExpiresAt, now) && r.UserID == userID:
				out = append(out, r.domain())
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b authcore.BackchannelRequest) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

// UpdateBackchannelRequest applies fn to the live request at hash; the
// read and the write share one transaction, so of concurrent redeemers
// exactly one sees the request unredeemed.
func (s *Store) UpdateBackchannelRequest(ctx context.Context, hash string, fn func(authcore.BackchannelRequest) (authcore.BackchannelRequest, error)) (authcore.BackchannelRequest, error) {
	k := key(kindCIBA, hash)
	now := s.now()
	var out authcore.BackchannelRequest
	err := s.update(ctx, func(txn *bdg.Txn) error {
		var r cibaV1
		if err := get(txn, k, &r); err != nil {
			return err
		}
		if expired(r.ExpiresAt, now) {
			return authcore.ErrNotFound
		}
		cur := r.domain()
		out = cur
		next, err := fn(cur)
		if err != nil {
			return callerErr{err}
		}
		if next.Hash != cur.Hash || next.UserID != cur.UserID || !next.ExpiresAt.Equal(cur.ExpiresAt) {
			return errIDChanged
		}
		out = next
		return put(txn, k, cibaRecord(next), r.ExpiresAt)
	})
	return out, err
}

// lastSegment returns the last path segment of a key, unescaped.
func lastSegment(k []byte) string {
	i := bytes.LastIndexByte(k, '/')
	seg, err := url.PathUnescape(string(k[i+1:]))
	if err != nil {
		return ""
	}
	return seg
}
