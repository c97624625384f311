package authcore

import (
	"context"
	"time"
)

// GrantCIBA is the grant type of OpenID Connect Client-Initiated
// Backchannel Authentication (CIBA Core 1.0 §10.1).
const GrantCIBA = "urn:openid:params:grant-type:ciba"

// CIBA token delivery modes (CIBA Core 1.0 §5). Push is not implemented:
// FAPI-CIBA forbids it.
const (
	CIBAPoll = "poll"
	CIBAPing = "ping"
)

// BackchannelRequest is one backchannel authentication request (CIBA
// Core 1.0 §7), stored under the hex SHA-256 of its auth_req_id. The
// hash also names the request on the account page and to the
// authentication-channel webhook: it reveals nothing of the auth_req_id.
type BackchannelRequest struct {
	Hash     string
	ClientID string
	// UserID is the user the hint named; only that user may decide.
	UserID         string
	Scopes         []string
	ACRValues      []string
	BindingMessage string
	// NotificationToken is the client_notification_token of a ping-mode
	// request (CIBA Core 1.0 §7.1): the bearer the client expects on its
	// notification endpoint. It is the client's secret for its own
	// endpoint, kept only until the request expires.
	NotificationToken string
	// PingSeed, in ping mode, is the random value the auth_req_id was
	// derived from under the OAuth server's secret key, so the ping can
	// name the auth_req_id (CIBA Core 1.0 §10.2) without it being
	// stored; "" in poll mode.
	PingSeed string
	// Status is pending, approved or denied (the device grant's states).
	Status DeviceStatus
	// SessionID, AuthTime, ACR and AMR describe the sign-in that
	// approved the request.
	SessionID string
	AuthTime  time.Time
	ACR       string
	AMR       []string
	// Interval is the minimum polling interval; it grows on slow_down.
	// LastPoll is the last token request's time.
	Interval time.Duration
	LastPoll time.Time
	// Redeemed is set, atomically, by the one successful token request;
	// GrantID names the grant it created.
	Redeemed  bool
	GrantID   string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// BackchannelRequests stores CIBA requests.
type BackchannelRequests interface {
	// CreateBackchannelRequest stores r; ErrAlreadyExists when its hash
	// is taken.
	CreateBackchannelRequest(ctx context.Context, r BackchannelRequest) error
	// ListBackchannelRequests returns the user's live requests, oldest
	// first.
	ListBackchannelRequests(ctx context.Context, userID string) ([]BackchannelRequest, error)
	// UpdateBackchannelRequest applies fn to the live request at hash in
	// one transaction, like UpdateDeviceCode: of concurrent updaters each
	// sees the previous one's result (the redemption has exactly one
	// winner); fn's error aborts the write and is returned with the
	// record fn was given; unknown or expired requests give ErrNotFound.
	// fn may not change Hash, UserID or ExpiresAt.
	UpdateBackchannelRequest(ctx context.Context, hash string, fn func(BackchannelRequest) (BackchannelRequest, error)) (BackchannelRequest, error)
}
