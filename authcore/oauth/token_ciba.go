package oauth

import (
	"context"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// cibaToken is the CIBA grant (CIBA Core 1.0 §10.1, §11): the client
// sends its auth_req_id; each request updates the stored request in one
// transaction, as the device grant does (token_device.go): sooner than
// the interval is slow_down (and a 5 s longer interval), undecided is
// authorization_pending, denied access_denied, and an approved request
// is marked redeemed by exactly one token request, which gets the
// tokens. Past its lifetime it is expired_token; redeemed, another
// client's, or unknown, invalid_grant.
func (s *Server) cibaToken(ctx context.Context, tr *tokenRequest) (*tokenResponse, error) {
	if !s.cibaEnabled() {
		return nil, newError(CodeUnsupportedGrantType, http.StatusBadRequest, "grant type not supported")
	}
	id, grantID, now, err := s.redemption(tr, "auth_req_id")
	if err != nil {
		return nil, err
	}
	var outcome error
	r, err := s.store.UpdateBackchannelRequest(ctx, hashToken(id), func(r authcore.BackchannelRequest) (authcore.BackchannelRequest, error) {
		p := polled{ClientID: r.ClientID, Status: r.Status, Redeemed: r.Redeemed, Interval: r.Interval,
			LastPoll: r.LastPoll, ExpiresAt: r.ExpiresAt} // the server's clock decides expiry too
		var abort error
		if outcome, abort = p.step(tr.client.ID, now, "auth_req_id"); abort != nil { // poll.go
			return r, abort
		}
		if p.Redeemed {
			r.GrantID = grantID
		}
		r.Redeemed, r.Interval, r.LastPoll = p.Redeemed, p.Interval, p.LastPoll
		return r, nil
	})
	if err := pollAnswer(err, outcome, id, "auth_req_id", now); err != nil {
		return nil, err
	}
	return s.cibaTokens(ctx, tr, r, now)
}

// cibaTokens issues the access token, the ID token (CIBA Core 1.0 §11)
// and, as the client's registration allows, a refresh token of a
// redeemed request, storing the grant before answering.
func (s *Server) cibaTokens(ctx context.Context, tr *tokenRequest, r authcore.BackchannelRequest, now time.Time) (*tokenResponse, error) {
	aud, err := s.tokenAudience(tr, nil, s.audience(tr.client), r.Scopes)
	if err != nil {
		return nil, err
	}
	if r.Scopes, err = s.roleScopes(ctx, r.UserID, r.Scopes); err != nil { // scope_role.go
		return nil, err
	}
	if err := s.userActive(ctx, r.UserID, CodeAccessDenied); err != nil { // user_active.go
		return nil, err
	}
	at, it, err := s.mintAccess(ctx, tr.client, s.subjectOf(tr.client, r.UserID), r.Scopes, aud, now, tr.cnf(),
		withAuth(r.ACR, r.AMR, r.AuthTime), withGrant(tr.client, r.GrantID))
	if err != nil {
		return nil, err
	}
	resp := bearer(at, it, now, r.Scopes)
	ac := authcore.AuthCode{ClientID: r.ClientID, UserID: r.UserID, Scopes: r.Scopes, AuthTime: r.AuthTime,
		GrantID: r.GrantID, SessionID: r.SessionID, ACR: r.ACR, AMR: r.AMR}
	var idExp time.Time
	if resp.IDToken, idExp, err = s.idToken(ctx, tr.client, ac, at, now); err != nil {
		return nil, err
	}
	g := authcore.Grant{ID: r.GrantID, ClientID: r.ClientID, UserID: r.UserID, Scopes: r.Scopes,
		Audience: s.audience(tr.client), AuthTime: r.AuthTime, CreatedAt: now, ExpiresAt: it.ExpiresAt,
		AccessJTIs: []authcore.IssuedToken{it}, SessionID: r.SessionID, ACR: r.ACR, AMR: r.AMR}
	rt, err := s.grantRefresh(ctx, tr, &g, resp, now)
	if err != nil {
		return nil, err
	}
	if idExp.After(g.ExpiresAt) {
		g.ExpiresAt = idExp // as for a code: the ID token may be exchanged while it lives
	}
	if err := s.store.CreateGrant(ctx, g, rt); err != nil {
		return nil, unavailable(err)
	}
	s.issued(ctx, audit.TokenIssued, tr.client, r.UserID, authcore.GrantCIBA, it, r.Scopes, rt != nil)
	return resp, nil
}
