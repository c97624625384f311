package oauth

import (
	"context"
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
		p := polled{ClientID: d.ClientID, Status: d.Status, Redeemed: d.Redeemed, Interval: d.Interval, LastPoll: d.LastPoll}
		var abort error
		if outcome, abort = p.step(tr.client.ID, now, "device_code"); abort != nil { // poll.go
			return d, abort
		}
		if p.Redeemed {
			d.GrantID = grantID
		}
		d.Redeemed, d.Interval, d.LastPoll = p.Redeemed, p.Interval, p.LastPoll
		return d, nil
	})
	if err := pollAnswer(err, outcome, code, "device_code", now); err != nil {
		return nil, err
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
	if err := s.userActive(ctx, d.UserID, CodeAccessDenied); err != nil { // user_active.go
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
