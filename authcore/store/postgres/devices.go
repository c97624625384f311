package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// deviceDocV1 is the doc column of device_codes.
type deviceDocV1 struct {
	ClientID  string    `json:"client"`
	Scopes    []string  `json:"scopes,omitempty"`
	Resources []string  `json:"resources,omitempty"`
	UserID    string    `json:"user,omitempty"`
	SessionID string    `json:"sid,omitempty"`
	AuthTime  time.Time `json:"auth_time"`
	Interval  int64     `json:"interval_ns"`
	LastPoll  time.Time `json:"last_poll"`
	GrantID   string    `json:"grant,omitempty"`
}

const deviceCols = `hash, user_code, status, redeemed, doc, expires_at, created_at`

func deviceArgs(d authcore.DeviceCode) []any {
	doc := deviceDocV1{ClientID: d.ClientID, Scopes: d.Scopes, Resources: d.Resources, UserID: d.UserID,
		SessionID: d.SessionID, AuthTime: d.AuthTime, Interval: int64(d.Interval), LastPoll: d.LastPoll, GrantID: d.GrantID}
	return []any{d.Hash, d.UserCode, string(d.Status), d.Redeemed, jsonDoc(doc), ts(d.ExpiresAt), ts(d.CreatedAt)}
}

func scanDevice(row pgx.Row) (authcore.DeviceCode, error) {
	var d authcore.DeviceCode
	var status string
	var doc []byte
	var exp, created *time.Time
	if err := row.Scan(&d.Hash, &d.UserCode, &status, &d.Redeemed, &doc, &exp, &created); err != nil {
		return d, storeErr(err)
	}
	var r deviceDocV1
	if err := json.Unmarshal(doc, &r); err != nil {
		return d, storeErr(err)
	}
	d.Status, d.ExpiresAt, d.CreatedAt = authcore.DeviceStatus(status), tv(exp), tv(created)
	d.ClientID, d.Scopes, d.Resources, d.UserID, d.SessionID = r.ClientID, r.Scopes, r.Resources, r.UserID, r.SessionID
	d.AuthTime, d.Interval, d.LastPoll, d.GrantID = r.AuthTime, time.Duration(r.Interval), r.LastPoll, r.GrantID
	return d, nil
}

// CreateDeviceCode stores d; authcore.ErrAlreadyExists when its hash or
// its user code is taken by a live record. A record expired at the
// store's clock that holds the user code is removed first.
func (s *Store) CreateDeviceCode(ctx context.Context, d authcore.DeviceCode) error {
	if d.Hash == "" || d.UserCode == "" {
		return errEmptyID
	}
	now := s.now()
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM device_codes WHERE user_code = $1 AND expires_at <= $2`, d.UserCode, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO device_codes (`+deviceCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`, deviceArgs(d)...)
		return err
	})
}

// GetDeviceCodeByUserCode returns the live record with that user code,
// or authcore.ErrNotFound.
func (s *Store) GetDeviceCodeByUserCode(ctx context.Context, userCode string) (authcore.DeviceCode, error) {
	return scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceCols+` FROM device_codes WHERE user_code = $1 AND `+live(2), userCode, s.now()))
}

// UpdateDeviceCode applies fn to the live record at hash under its row
// lock, so of concurrent updaters each sees the previous one's result
// (the redemption has exactly one winner). An error from fn aborts the
// write and is returned with the record fn was given.
func (s *Store) UpdateDeviceCode(ctx context.Context, hash string, fn func(authcore.DeviceCode) (authcore.DeviceCode, error)) (authcore.DeviceCode, error) {
	now := s.now()
	var out authcore.DeviceCode
	err := s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := scanDevice(tx.QueryRow(ctx, `SELECT `+deviceCols+` FROM device_codes WHERE hash = $1 AND `+live(2)+` FOR UPDATE`, hash, now))
		if err != nil {
			return err
		}
		out = cur
		next, err := fn(cur)
		if err != nil {
			return callerErr{err}
		}
		if next.Hash != cur.Hash || next.UserCode != cur.UserCode {
			return errIDChanged
		}
		next.ExpiresAt = cur.ExpiresAt
		out = next
		_, err = tx.Exec(ctx, `UPDATE device_codes SET (`+deviceCols+`) = ($1,$2,$3,$4,$5,$6,$7) WHERE hash = $1`, deviceArgs(next)...)
		return err
	})
	return out, err
}
