package oauth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Error codes of the device authorization grant (RFC 8628 §3.5).
const (
	CodeAuthorizationPending = "authorization_pending"
	CodeSlowDown             = "slow_down"
	CodeExpiredToken         = "expired_token"
)

// slowDownStep is how much the interval grows on each slow_down (RFC
// 8628 §3.5).
const slowDownStep = 5 * time.Second

// deviceToken is the device_code grant (RFC 8628 §3.4, §3.5). Each poll
// updates the record in one transaction: a poll sooner than the interval
// gets slow_down and a 5 s longer interval; a pending code
// authorization_pending; a denied one access_denied; an approved one is
// marked redeemed by exactly one request, which gets the tokens. A code
// past its lifetime is expired_token; a redeemed one, or another
// client's, invalid_grant.
func (s *Server) deviceToken(ctx context.Context, tr *tokenRequest) (*tokenResponse, error) {
	if s.cfg.Device.Disabled {
		return nil, newError(CodeUnsupportedGrantType, http.StatusBadRequest, "grant type not supported")
	}
	code, grantID, now, err := s.redemption(tr, "device_code")
	if err != nil {
		return nil, err
	}
	var outcome error
	d, err := s.store.UpdateDeviceCode(ctx, hashToken(code), func(d authcore.DeviceCode) (authcore.DeviceCode, error) {
		outcome = nil
		switch {
		case d.ClientID != tr.client.ID || d.Redeemed:
			return d, errInvalidGrant("device_code is invalid or already used")
		case d.Status == authcore.DeviceDenied:
			return d, newError(CodeAccessDenied, http.StatusBadRequest, "the user denied the request")
		case d.Status == authcore.DeviceApproved:
			d.Redeemed, d.GrantID, d.LastPoll = true, grantID, now
			return d, nil
		case !d.LastPoll.IsZero() && now.Sub(d.LastPoll) < d.Interval:
			d.Interval += slowDownStep
			outcome = newError(CodeSlowDown, http.StatusBadRequest, "polling too fast")
		default:
			outcome = newError(CodeAuthorizationPending, http.StatusBadRequest, "the user has not decided yet")
		}
		d.LastPoll = now
		return d, nil
	})
	var oe *Error
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		if exp, ok := deviceExpiry(code); ok && !now.Before(exp) {
			return nil, newError(CodeExpiredToken, http.StatusBadRequest, "device_code expired")
		}
		return nil, errInvalidGrant("device_code is invalid or already used")
	case errors.As(err, &oe):
		return nil, oe
	case err != nil:
		return nil, unavailable(err)
	case outcome != nil:
		return nil, outcome
	}
	return s.deviceTokens(ctx, tr, d, now)
}

// deviceTokens issues the tokens of a redeemed device code, storing the
// grant before answering.
func (s *Server) deviceTokens(ctx context.Context, tr *tokenRequest, d authcore.DeviceCode, now time.Time) (*tokenResponse, error) {
	aud, err := s.tokenAudience(tr, d.Resources, s.audience(tr.client), d.Scopes)
	if err != nil {
		return nil, err
	}
	if d.Scopes, err = s.roleScopes(ctx, d.UserID, d.Scopes); err != nil { // scope_role.go
		return nil, err
	}
	at, it, err := s.mintAccess(ctx, tr.client, s.subjectOf(tr.client, d.UserID), d.Scopes, aud, now, tr.cnf(), withGrant(tr.client, d.GrantID))
	if err != nil {
		return nil, err
	}
	resp := bearer(at, it, now, d.Scopes)
	g := authcore.Grant{ID: d.GrantID, ClientID: d.ClientID, UserID: d.UserID, Scopes: d.Scopes,
		Audience: s.audience(tr.client), Resources: d.Resources, AuthTime: d.AuthTime, CreatedAt: now,
		ExpiresAt: it.ExpiresAt, AccessJTIs: []authcore.IssuedToken{it}, SessionID: d.SessionID}
	rt, err := s.grantRefresh(ctx, tr, &g, resp, now)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateGrant(ctx, g, rt); err != nil {
		return nil, unavailable(err)
	}
	s.issued(ctx, audit.TokenIssued, tr.client, d.UserID, authcore.GrantDeviceCode, it, d.Scopes, rt != nil)
	return resp, nil
}
