package badger

import (
	"context"
	"errors"
	"slices"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// deviceV1 is the stored form of authcore.DeviceCode under
// v1/device/<hash>; v1/device-user/<user code> indexes it.
type deviceV1 struct {
	Hash      string    `json:"hash"`
	UserCode  string    `json:"user_code"`
	ClientID  string    `json:"client"`
	Scopes    []string  `json:"scopes,omitempty"`
	Resources []string  `json:"resources,omitempty"`
	Status    string    `json:"status"`
	UserID    string    `json:"user,omitempty"`
	SessionID string    `json:"sid,omitempty"`
	AuthTime  time.Time `json:"auth_time"`
	Interval  int64     `json:"interval_ns"`
	LastPoll  time.Time `json:"last_poll"`
	Redeemed  bool      `json:"redeemed,omitempty"`
	GrantID   string    `json:"grant,omitempty"`
	ExpiresAt time.Time `json:"exp"`
	CreatedAt time.Time `json:"created"`
}

// deviceIndexV1 maps a user code to its device code's hash.
type deviceIndexV1 struct {
	Hash      string    `json:"hash"`
	ExpiresAt time.Time `json:"exp"`
}

func deviceRecord(d authcore.DeviceCode) deviceV1 {
	return deviceV1{Hash: d.Hash, UserCode: d.UserCode, ClientID: d.ClientID,
		Scopes: slices.Clone(d.Scopes), Resources: slices.Clone(d.Resources), Status: string(d.Status),
		UserID: d.UserID, SessionID: d.SessionID, AuthTime: d.AuthTime,
		Interval: int64(d.Interval), LastPoll: d.LastPoll, Redeemed: d.Redeemed, GrantID: d.GrantID,
		ExpiresAt: d.ExpiresAt, CreatedAt: d.CreatedAt}
}

func (r deviceV1) domain() authcore.DeviceCode {
	return authcore.DeviceCode{Hash: r.Hash, UserCode: r.UserCode, ClientID: r.ClientID,
		Scopes: r.Scopes, Resources: r.Resources, Status: authcore.DeviceStatus(r.Status),
		UserID: r.UserID, SessionID: r.SessionID, AuthTime: r.AuthTime,
		Interval: time.Duration(r.Interval), LastPoll: r.LastPoll, Redeemed: r.Redeemed, GrantID: r.GrantID,
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}
}

// CreateDeviceCode stores a device authorization and its user-code index
// in one transaction (RFC 8628 §3.2); a live record with the same hash
// or user code is authcore.ErrAlreadyExists.
func (s *Store) CreateDeviceCode(ctx context.Context, d authcore.DeviceCode) error {
	if d.Hash == "" || d.UserCode == "" {
		return errEmptyID
	}
	k, ik := key(kindDevice, d.Hash), key(kindDeviceUser, d.UserCode)
	now := s.now()
	return s.update(ctx, func(txn *bdg.Txn) error {
		var old deviceIndexV1
		switch err := get(txn, ik, &old); {
		case err == nil && !expired(old.ExpiresAt, now):
			return authcore.ErrAlreadyExists
		case err != nil && !errors.Is(err, authcore.ErrNotFound):
			return err
		}
		if ok, err := exists(txn, k); err != nil || ok {
			return orExists(err)
		}
		if err := put(txn, ik, deviceIndexV1{Hash: d.Hash, ExpiresAt: d.ExpiresAt}, d.ExpiresAt); err != nil {
			return err
		}
		return put(txn, k, deviceRecord(d), d.ExpiresAt)
	})
}

// GetDeviceCodeByUserCode returns the live device authorization with
// userCode, or authcore.ErrNotFound.
func (s *Store) GetDeviceCodeByUserCode(ctx context.Context, userCode string) (authcore.DeviceCode, error) {
	var r deviceV1
	now := s.now()
	err := s.view(ctx, func(txn *bdg.Txn) error {
		var ix deviceIndexV1
		if err := get(txn, key(kindDeviceUser, userCode), &ix); err != nil {
			return err
		}
		if err := get(txn, key(kindDevice, ix.Hash), &r); err != nil {
			return err
		}
		if expired(r.ExpiresAt, now) || r.UserCode != userCode {
			return authcore.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return authcore.DeviceCode{}, err
	}
	return r.domain(), nil
}

// UpdateDeviceCode applies fn to the live record at hash. The read and
// the write share one transaction, so concurrent updates conflict and run
// again on the winner's result: of many redeemers exactly one sees the
// code unredeemed. fn may not change the hash or the user code.
func (s *Store) UpdateDeviceCode(ctx context.Context, hash string, fn func(authcore.DeviceCode) (authcore.DeviceCode, error)) (authcore.DeviceCode, error) {
	k := key(kindDevice, hash)
	now := s.now()
	var out authcore.DeviceCode
	err := s.update(ctx, func(txn *bdg.Txn) error {
		var r deviceV1
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
		if next.Hash != cur.Hash || next.UserCode != cur.UserCode {
			return errIDChanged
		}
		out = next
		return put(txn, k, deviceRecord(next), r.ExpiresAt)
	})
	return out, err
}
