package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Token type identifiers of RFC 8693 §3.
const (
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeIDToken     = "urn:ietf:params:oauth:token-type:id_token"
)

// typIDToken is the JWT typ of ID tokens (OIDC Core §2, RFC 8725 §3.11).
const typIDToken = "JWT"

// idTokenClaims are the ID token claims token exchange relies on.
type idTokenClaims struct {
	jwt.RegisteredClaims
	AuthorizedParty string `json:"azp,omitempty"`
	// GrantID names the grant the ID token was issued under (the
	// grant_id claim, oidc.ClaimGrantID).
	GrantID string `json:"grant_id,omitempty"`
}

// presented is a verified subject or actor token.
type presented struct {
	sub    string // the local user id, or a client_credentials token's client
	scopes []string
	act    *actClaim
	user   bool // sub is a user (subject.go maps it for the client)
}

// subjectFor is the sub the exchanged token names for client c.
func (s *Server) subjectFor(c authcore.Client, p presented) string {
	if p.user {
		return s.subjectOf(c, p.sub)
	}
	return p.sub
}

// errBadToken answers every unacceptable subject or actor token alike
// (RFC 8693 §2.2.2: invalid_request).
var errBadToken = errInvalidRequest("subject_token or actor_token is invalid, expired or not acceptable")

// tokenExchange is the token-exchange grant (RFC 8693 §2.1), for
// confidential clients only: the subject_token is an ID token or access
// token this server issued to the requesting client (an access token may
// also name the client in its aud), unexpired and, for access tokens, not
// revoked. The result is an access token for a resource or audience in
// the client's registered Audience (else invalid_target), with scope
// narrowed to what the subject token carried and the client may have.
// An actor_token adds the act claim (§4.1). No refresh token is issued.
func (s *Server) tokenExchange(ctx context.Context, tr *tokenRequest) (*tokenResponse, error) {
	c, p := tr.client, tr.p
	if c.Type != authcore.Confidential || tr.method == authcore.AuthNone {
		return nil, newError(CodeUnauthorizedClient, http.StatusBadRequest, "token exchange requires a confidential client")
	}
	if rt := p.get("requested_token_type"); rt != "" && rt != TokenTypeAccessToken {
		return nil, errInvalidRequest("requested_token_type is not supported")
	}
	if !p.has("subject_token") || !p.has("subject_token_type") {
		return nil, errInvalidRequest("subject_token and subject_token_type are required")
	}
	if p.has("actor_token") != p.has("actor_token_type") {
		return nil, errInvalidRequest("actor_token and actor_token_type go together")
	}
	aud, err := exchangeTargets(c, p)
	if err != nil {
		return nil, err
	}
	subj, err := s.presentedToken(ctx, c, p.get("subject_token"), p.get("subject_token_type"))
	if err != nil {
		return nil, err
	}
	act := subj.act
	if p.has("actor_token") {
		actor, err := s.presentedToken(ctx, c, p.get("actor_token"), p.get("actor_token_type"))
		if err != nil {
			return nil, err
		}
		act = &actClaim{Subject: s.subjectFor(c, actor), ClientID: c.ID, Act: subj.act}
	}
	scopes, err := narrowScopes(c, subj.scopes, p.get("scope"))
	if err == nil {
		scopes, err = s.roleScopes(ctx, subj.sub, scopes) // scope_role.go
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	at, it, err := s.mintAccess(ctx, c, s.subjectFor(c, subj), scopes, aud, now, func(ac *accessClaims) { ac.Act = act }, tr.cnf())
	if err != nil {
		return nil, err
	}
	resp := bearer(at, it, now, scopes)
	resp.IssuedTokenType = TokenTypeAccessToken
	d := map[string]any{"jti": it.JTI, "aud": aud, "scope": joinScope(scopes),
		"subject_token_type": p.get("subject_token_type")}
	if act != nil {
		d["act"] = act.Subject
	}
	s.record(ctx, audit.Event{Type: audit.TokenExchanged, Actor: c.ID, Subject: subj.sub,
		ClientID: c.ID, Details: d})
	return resp, nil
}

// exchangeTargets returns the audience of the new token: resource and
// audience (RFC 8693 §2.1), each one the client registered, or the
// client's default audience when neither is sent.
func exchangeTargets(c authcore.Client, p params) ([]string, error) {
	var out []string
	if r := p.get("resource"); r != "" {
		if u, err := url.Parse(r); err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(r, "#") {
			return nil, newError(CodeInvalidTarget, http.StatusBadRequest, "resource must be an absolute URI without fragment")
		}
		out = append(out, r)
	}
	if a := p.get("audience"); a != "" && !slices.Contains(out, a) {
		out = append(out, a)
	}
	for _, t := range out {
		if !slices.Contains(c.Audience, t) {
			return nil, newError(CodeInvalidTarget, http.StatusBadRequest, "the client may not obtain tokens for this resource or audience")
		}
	}
	if len(out) == 0 {
		if len(c.Audience) == 0 {
			return nil, newError(CodeInvalidTarget, http.StatusBadRequest, "the client has no audience registered")
		}
		out = slices.Clone(c.Audience)
	}
	return out, nil
}

// narrowScopes applies the requested scope: a subset of both the subject
// token's scopes and the client's; omitted means all of those except
// openid and offline_access.
func narrowScopes(c authcore.Client, have []string, raw string) ([]string, error) {
	want, err := parseScope(raw)
	if err != nil {
		return nil, errInvalidScope("scope is malformed")
	}
	if want == nil {
		for _, sc := range have {
			if c.AllowsScope(sc) && sc != scopeOpenID && sc != scopeOfflineAccess {
				want = append(want, sc)
			}
		}
		return want, nil
	}
	for _, sc := range want {
		if !c.AllowsScope(sc) || !slices.Contains(have, sc) {
			return nil, errInvalidScope("scope exceeds the subject token's or the client's")
		}
	}
	return want, nil
}

// presentedToken verifies a subject or actor token of the given type.
func (s *Server) presentedToken(ctx context.Context, c authcore.Client, token, typ string) (presented, error) {
	switch typ {
	case TokenTypeAccessToken:
		return s.presentedAccess(ctx, c, token)
	case TokenTypeIDToken:
		return s.presentedIDToken(ctx, c, token)
	}
	return presented{}, errInvalidRequest("token type is not supported")
}

// presentedAccess accepts an unrevoked access token of this issuer
// issued to c, or naming c in its aud.
func (s *Server) presentedAccess(ctx context.Context, c authcore.Client, token string) (presented, error) {
	claims, ok := s.verifyAccess(token)
	if !ok || (claims.ClientID != c.ID && !slices.Contains(claims.Audience, c.ID)) {
		return presented{}, errBadToken
	}
	revoked, err := s.store.IsRevoked(ctx, claims.ID)
	if err != nil {
		return presented{}, unavailable(err)
	}
	if revoked {
		return presented{}, errBadToken
	}
	sub, ok, err := s.localSubject(ctx, c, claims.ClientID, claims.Subject, claims.GrantID) // subject.go
	if err != nil {
		return presented{}, unavailable(err)
	} else if !ok {
		return presented{}, errBadToken
	}
	scopes, _ := parseScope(claims.Scope)
	return presented{sub: sub, scopes: scopes, act: claims.Act, user: sub != claims.ClientID}, nil
}

// presentedIDToken accepts an unexpired ID token of this issuer whose
// aud includes c, for a user who still exists and is enabled, bound to
// the grant it was issued under (issue 16): that grant must be c's and
// the user's, not revoked nor expired, and its browser session still
// live. Its scopes are the grant's, never a wider consent; an ID token
// without a grant (older than the binding) is refused.
func (s *Server) presentedIDToken(ctx context.Context, c authcore.Client, token string) (presented, error) {
	if len(token) > maxTokenLen || strings.Count(token, ".") != 2 {
		return presented{}, errBadToken
	}
	var claims idTokenClaims
	if _, err := s.signer.Verify(token, typIDToken, &claims); err != nil {
		return presented{}, errBadToken
	}
	if claims.Issuer != s.cfg.Issuer || claims.Subject == "" || claims.ExpiresAt == nil ||
		!claims.ExpiresAt.After(s.now().Add(-time.Second)) || !slices.Contains(claims.Audience, c.ID) {
		return presented{}, errBadToken
	}
	local, err := s.subjects.Local(ctx, s.store, c, claims.Subject, claims.GrantID) // pairwise: subject.go
	if errors.Is(err, authcore.ErrNotFound) {
		return presented{}, errBadToken
	} else if err != nil {
		return presented{}, unavailable(err)
	}
	u, err := s.store.GetUser(ctx, local)
	if errors.Is(err, authcore.ErrNotFound) || (err == nil && u.Disabled) {
		return presented{}, errBadToken
	} else if err != nil {
		return presented{}, unavailable(err)
	}
	g, err := s.liveGrant(ctx, c, claims, local)
	if err != nil {
		return presented{}, err
	}
	return presented{sub: local, scopes: g.Scopes, user: true}, nil
}

// errGrantEnded refuses an ID token whose sign-in is over.
var errGrantEnded = errInvalidGrant("the sign-in this ID token came from was revoked or has ended")

// liveGrant returns the grant an ID token names when it is still in
// force: c's, the token's subject's, not revoked, not expired, and
// (when it was authorized in a browser session) that session not ended.
func (s *Server) liveGrant(ctx context.Context, c authcore.Client, claims idTokenClaims, user string) (authcore.Grant, error) {
	if claims.GrantID == "" {
		return authcore.Grant{}, errGrantEnded
	}
	g, err := s.store.GetGrant(ctx, claims.GrantID)
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return g, errGrantEnded
	case err != nil:
		return g, unavailable(err)
	case g.Revoked || g.ClientID != c.ID || g.UserID != user || !s.now().Before(g.ExpiresAt):
		return g, errGrantEnded
	}
	if g.SessionID == "" {
		return g, nil
	}
	sessions, err := s.store.ListSessions(ctx, g.UserID)
	if err != nil {
		return g, unavailable(err)
	}
	now := s.now()
	for _, sess := range sessions {
		if sess.SID() == g.SessionID && now.Before(sess.ExpiresAt) {
			return g, nil
		}
	}
	return g, errGrantEnded
}
