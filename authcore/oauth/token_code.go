package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// scopeOfflineAccess asks for a refresh token (OIDC Core §11).
const scopeOfflineAccess = "offline_access"

// exchangeCode is the authorization_code grant (OAuth 2.1 §4.1.3). A
// redemption that fails any check burns the code before it answers, so a
// wrong or missing PKCE verifier gets no second try (RFC 7636 §4.6,
// CVE-2026-41213). A second redemption is invalid_grant; when it comes
// from the right client with the right verifier, the grant issued from
// the code is revoked (OAuth 2.1 §7.5.2).
//
// The code is read first and consumed together with the grant's creation
// (Storage.RedeemAuthCode): one durable commit per redemption instead of
// two, and a consumed code always names a grant that exists. Requests
// that race on one code each check their own verifier against the code
// read, but only the first to commit a consumption (a redemption, or the
// burn of a failed one) has any effect: a right verifier issues tokens
// only if no burn committed before it, and a failed check, being quicker
// than signing, usually burns first. So racing N guesses is at most N
// guesses at a verifier of 43 or more characters (RFC 7636 §4.1: 256
// bits when random), within the endpoint's rate limits; when
// consuming came first, only one guess was ever checked.
func (s *Server) exchangeCode(ctx context.Context, tr *tokenRequest) (*tokenResponse, error) {
	code, grantID, now, err := s.redemption(tr, "code")
	if err != nil {
		return nil, err
	}
	hash := hashToken(code)
	ac, err := s.store.GetAuthCode(ctx, hash, now)
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return nil, errInvalidGrant("code is invalid, expired or already used")
	case err != nil:
		return nil, unavailable(err)
	case ac.Consumed:
		s.codeReuse(ctx, tr, ac, now)
		return nil, errInvalidGrant("code is invalid, expired or already used")
	}
	red, err := s.codeTokens(ctx, tr, ac, grantID, now)
	if err != nil {
		if berr := s.burnCode(ctx, tr, hash, grantID, now); berr != nil {
			return nil, berr
		}
		return nil, err
	}
	// The grant is durable before the tokens are answered.
	stored, err := s.store.RedeemAuthCode(ctx, hash, red.grant, red.refresh, now)
	switch {
	case errors.Is(err, authcore.ErrConsumed): // a concurrent redemption won
		s.codeReuse(ctx, tr, stored, now)
		return nil, errInvalidGrant("code is invalid, expired or already used")
	case errors.Is(err, authcore.ErrNotFound): // expired or collected meanwhile
		return nil, errInvalidGrant("code is invalid, expired or already used")
	case errors.Is(err, authcore.ErrAlreadyExists): // a random ID or hash collided
		if berr := s.burnCode(ctx, tr, hash, grantID, now); berr != nil {
			return nil, berr
		}
		return nil, errInvalidGrant("code is invalid, expired or already used")
	case err != nil:
		return nil, unavailable(err)
	}
	s.issued(ctx, audit.TokenIssued, tr.client, ac.UserID, authcore.GrantAuthorizationCode, red.access, ac.Scopes, red.refresh != nil)
	return red.resp, nil
}

// redeemed is what redeeming a code gives, before it is stored: the
// answer with its tokens, the grant, its first refresh token (nil when
// none is offered) and the access token issued.
type redeemed struct {
	resp    *tokenResponse
	grant   authcore.Grant
	refresh *authcore.RefreshToken
	access  authcore.IssuedToken
}

// codeTokens checks the unconsumed code ac against the request and makes
// what redeeming it as grant grantID gives. It writes nothing.
func (s *Server) codeTokens(ctx context.Context, tr *tokenRequest, ac authcore.AuthCode, grantID string, now time.Time) (*redeemed, error) {
	// What the code will say once redeemed: the ID token names its grant.
	ac.Consumed, ac.GrantID = true, grantID
	if err := checkCode(tr, ac, now); err != nil {
		return nil, err
	}
	if err := checkCodeDPoP(tr, ac); err != nil { // dpop_jkt, dpop.go
		return nil, err
	}
	aud, err := s.tokenAudience(tr, ac.Resources, ac.Audience, ac.Scopes) // RFC 8707, resource.go
	if err != nil {
		return nil, err
	}
	details, err := s.narrowedDetails(ctx, tr, ac.AuthorizationDetails) // RFC 9396 §6, rar_token.go
	if err != nil {
		return nil, err
	}
	if err := s.userActive(ctx, ac.UserID, CodeInvalidGrant); err != nil { // user_active.go
		return nil, err
	}
	at, it, err := s.mintAccess(ctx, tr.client, s.subjectOf(tr.client, ac.UserID), ac.Scopes, aud, now, tr.cnf(),
		withAuth(ac.ACR, ac.AMR, ac.AuthTime), withGrant(tr.client, grantID), withDetails(details))
	if err != nil {
		return nil, err
	}
	r := &redeemed{resp: bearer(at, it, now, ac.Scopes), access: it}
	r.resp.AuthorizationDetails = detailsClaim(details)
	var idExp time.Time
	if r.resp.IDToken, idExp, err = s.idToken(ctx, tr.client, ac, at, now); err != nil {
		return nil, err
	}
	r.grant = authcore.Grant{ID: grantID, ClientID: ac.ClientID, UserID: ac.UserID,
		Scopes: ac.Scopes, Audience: ac.Audience, AuthTime: ac.AuthTime,
		CreatedAt: now, ExpiresAt: it.ExpiresAt, AccessJTIs: []authcore.IssuedToken{it},
		SessionID: ac.SessionID, Claims: ac.Claims, Resources: ac.Resources, ACR: ac.ACR, AMR: ac.AMR,
		AuthorizationDetails: ac.AuthorizationDetails}
	if r.refresh, err = s.grantRefresh(ctx, tr, &r.grant, r.resp, now); err != nil {
		return nil, err
	}
	if idExp.After(r.grant.ExpiresAt) {
		// The ID token may be exchanged (RFC 8693) while it lives, so its
		// grant lives as long, and revoking the user's live grants
		// reaches it (token_exchange.go, presentedIDToken).
		r.grant.ExpiresAt = idExp
	}
	return r, nil
}

// burnCode consumes the code of a redemption that failed, so that it can
// never be redeemed after that answer. A code some other request consumed
// first is a second redemption (codeReuse); a code gone is gone. Any
// other failure is returned: the code may still be live, and the request
// must not be answered as if it had been burnt.
func (s *Server) burnCode(ctx context.Context, tr *tokenRequest, hash, grantID string, now time.Time) error {
	ac, err := s.store.ConsumeAuthCode(ctx, hash, grantID, now)
	switch {
	case err == nil, errors.Is(err, authcore.ErrNotFound):
		return nil
	case errors.Is(err, authcore.ErrConsumed):
		s.codeReuse(ctx, tr, ac, now)
		return nil
	}
	return unavailable(err)
}

// checkCode verifies a consumed code's expiry, client, redirect URI and
// PKCE verifier.
func checkCode(tr *tokenRequest, ac authcore.AuthCode, now time.Time) error {
	if !now.Before(ac.ExpiresAt) {
		return errInvalidGrant("code is invalid, expired or already used")
	}
	if ac.ClientID != tr.client.ID {
		return errInvalidGrant("code was issued to another client")
	}
	sent := tr.p.get("redirect_uri")
	switch {
	case ac.RedirectURI != "" && sent != ac.RedirectURI:
		// RFC 6749 §4.1.3, OAuth 2.1 §10.2: identical if sent at /authorize.
		return errInvalidGrant("redirect_uri does not match the authorization request")
	case ac.RedirectURI == "" && sent != "" && !matchRedirect(tr.client.RedirectURIs, sent):
		return errInvalidGrant("redirect_uri does not match the authorization request")
	}
	if !verifyPKCE(ac.CodeChallenge, tr.p.get("code_verifier")) {
		return errInvalidGrant("code_verifier is missing or does not match")
	}
	return nil
}

// redemption starts a code-redeeming grant (authorization_code,
// device_code): the code sent as name (invalid_request when missing), the
// id of the grant it may become, and the time of the request.
func (s *Server) redemption(tr *tokenRequest, name string) (code, grantID string, now time.Time, err error) {
	code = tr.p.get(name)
	if code == "" {
		return "", "", time.Time{}, errInvalidRequest(name + " is missing")
	}
	if grantID, err = s.newID(); err != nil {
		return "", "", time.Time{}, internal(err)
	}
	return code, grantID, s.now(), nil
}

// grantRefresh gives the new grant g a refresh token when offersRefresh
// says so: g then lives as long as the refresh token, the token is bound
// as the request is (public clients: DPoP key or certificate,
// token_bind.go) and its value goes into resp. Nil when not offered.
func (s *Server) grantRefresh(ctx context.Context, tr *tokenRequest, g *authcore.Grant, resp *tokenResponse, now time.Time) (*authcore.RefreshToken, error) {
	if offer, err := s.offersRefresh(ctx, tr.client, g.Scopes); err != nil || !offer {
		return nil, err
	}
	value, err := s.randomToken(32)
	if err != nil {
		return nil, internal(err)
	}
	g.ExpiresAt = now.Add(s.refreshTTL(tr.client))
	rt := &authcore.RefreshToken{Hash: hashToken(value), GrantID: g.ID, ClientID: g.ClientID,
		UserID: g.UserID, Scopes: g.Scopes, ExpiresAt: g.ExpiresAt, CreatedAt: now}
	bindRefresh(tr, rt)
	resp.RefreshToken = value
	return rt, nil
}

// offersRefresh decides whether a code redemption gets a refresh token:
// only when the client registered the refresh_token grant and, if
// offline_access is a registered scope, only when it was granted.
func (s *Server) offersRefresh(ctx context.Context, c authcore.Client, scopes []string) (bool, error) {
	if !c.AllowsGrant(authcore.GrantRefreshToken) {
		return false, nil
	}
	if subset([]string{scopeOfflineAccess}, scopes) {
		return true, nil
	}
	_, err := s.store.GetScope(ctx, scopeOfflineAccess)
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return true, nil
	case err != nil:
		return false, unavailable(err)
	}
	return false, nil
}

// reuseWait bounds how long a replayed redemption waits for the first
// redemption's grant to be stored before it leaves a revoked placeholder.
const reuseWait = 500 * time.Millisecond

// codeReuse handles a second redemption. Only a replay with the right
// client and verifier revokes (OAuth 2.1 §7.5.2 warns that anything else
// would let an attacker revoke a victim's tokens). A code redeemed by
// RedeemAuthCode names a grant that exists; one consumed by ConsumeAuthCode
// names a grant stored after it (a node of an earlier version sharing the
// store) or never (a failed redemption burnt it), so the replay waits
// briefly for that grant and revokes it; if it never appears, a revoked
// placeholder takes its id, so that redemption can no longer issue.
func (s *Server) codeReuse(ctx context.Context, tr *tokenRequest, ac authcore.AuthCode, now time.Time) {
	if ac.ClientID != tr.client.ID || !verifyPKCE(ac.CodeChallenge, tr.p.get("code_verifier")) {
		return
	}
	const reason = "authorization code reuse"
	err := s.store.RevokeGrant(ctx, ac.GrantID, reason, now)
	for deadline := time.Now().Add(reuseWait); errors.Is(err, authcore.ErrNotFound) && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			deadline = time.Time{}
		case <-time.After(10 * time.Millisecond):
			err = s.store.RevokeGrant(ctx, ac.GrantID, reason, now)
		}
	}
	if errors.Is(err, authcore.ErrNotFound) {
		tomb := authcore.Grant{ID: ac.GrantID, ClientID: ac.ClientID, UserID: ac.UserID,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour),
			Revoked: true, RevokedAt: now, RevokedReason: reason}
		err = s.store.CreateGrant(ctx, tomb, nil)
		if errors.Is(err, authcore.ErrAlreadyExists) {
			err = s.store.RevokeGrant(ctx, ac.GrantID, reason, now)
		}
	}
	if err != nil {
		s.log.Error().Err(err).Str("client_id", ac.ClientID).Msg("oauth: revoke grant after code reuse")
	}
	s.record(ctx, audit.Event{Type: audit.CodeReuse, Outcome: audit.Failure, Actor: tr.client.ID,
		Subject: ac.UserID, ClientID: ac.ClientID, Reason: reason,
		Details: map[string]any{"grant_id": ac.GrantID}})
}
