package authcore

import (
	"context"
	"time"
)

// GrantDeviceCode is the device authorization grant (RFC 8628 §3.4).
const GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// DeviceStatus is where a device authorization stands (RFC 8628 §3.3,
// §3.5).
type DeviceStatus string

// The states of a device authorization: the user has not decided yet,
// approved it, or denied it.
const (
	DevicePending  DeviceStatus = "pending"
	DeviceApproved DeviceStatus = "approved"
	DeviceDenied   DeviceStatus = "denied"
)

// DeviceCode is one device authorization (RFC 8628 §3.2), stored under
// the hash of its device_code, with its user_code as a unique index.
type DeviceCode struct {
	Hash     string // hex SHA-256 of the device_code
	UserCode string // the 8 user-code letters, without the dash
	ClientID string
	Scopes   []string
	// Resources are the RFC 8707 resource indicators requested, if any.
	Resources []string
	Status    DeviceStatus
	// UserID, SessionID and AuthTime are set when the user approves.
	UserID    string
	SessionID string
	AuthTime  time.Time
	// Interval is the minimum polling interval; it grows on slow_down
	// (RFC 8628 §3.5). LastPoll is the last token request's time.
	Interval time.Duration
	LastPoll time.Time
	// Redeemed is set, atomically, by the one successful token request;
	// GrantID names the grant it created.
	Redeemed  bool
	GrantID   string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// DeviceCodes stores device authorizations (RFC 8628).
type DeviceCodes interface {
	// CreateDeviceCode stores d; ErrAlreadyExists when its hash or its
	// user code is taken by a live record.
	CreateDeviceCode(ctx context.Context, d DeviceCode) error
	// GetDeviceCodeByUserCode returns the live record with that user
	// code, or ErrNotFound.
	GetDeviceCodeByUserCode(ctx context.Context, userCode string) (DeviceCode, error)
	// UpdateDeviceCode applies fn to the live record at hash in one
	// transaction that reads and writes that key, so of concurrent
	// updaters each sees the previous one's result (the redemption has
	// exactly one winner). An error from fn aborts the write and is
	// returned with the record fn was given. Unknown or expired records
	// give ErrNotFound.
	UpdateDeviceCode(ctx context.Context, hash string, fn func(DeviceCode) (DeviceCode, error)) (DeviceCode, error)
}
