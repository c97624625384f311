package app

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/dpop"
)

// consoleClients are the clients whose access tokens the console API
// accepts: the built-in console. A latchkey:admin token of any other
// client (one an administrator allowed that scope by mistake, or one
// that asked for it) is refused.
var consoleClients = []string{ConsoleClientID}

// accessClaims are the claims the console API reads from an access token.
type accessClaims struct {
	jwt.RegisteredClaims
	ClientID string        `json:"client_id"`
	Scope    string        `json:"scope"`
	Cnf      *dpop.Binding `json:"cnf,omitempty"`
}

// consoleToken is the verified access token a console call came with.
type consoleToken struct {
	jti, clientID, subject string
	expiresAt              time.Time
}

// refusal is why a console call is refused: status, a public message
// and, for 401, the WWW-Authenticate challenge.
type refusal struct {
	status    int
	msg       string
	challenge string
}

const bearerChallenge = `Bearer realm="latchkey-console"`

// adminFromToken verifies a console access token: signed by a live key of
// this issuer, typ at+jwt, unexpired, not revoked, audience this server,
// issued to a console client, scope latchkey:admin, its sender
// constraint honoured (DPoP proof or client certificate, the check
// /userinfo and the gateway use), subject an enabled admin. It returns
// the actor and the token.
func (a *App) adminFromToken(r *http.Request, token string, dpopScheme bool) (string, *consoleToken, *refusal) {
	var c accessClaims
	if _, err := a.srv.Keys.Verify(token, "at+jwt", &c); err != nil || c.ID == "" || c.ExpiresAt == nil {
		return "", nil, &refusal{http.StatusUnauthorized, "sign in again: invalid access token", bearerChallenge}
	}
	if !slices.Contains(c.Audience, a.info.Issuer) || !slices.Contains(strings.Fields(c.Scope), AdminScope) {
		return "", nil, &refusal{http.StatusUnauthorized, "sign in again: the token does not carry " + AdminScope + " for this server", bearerChallenge}
	}
	if !slices.Contains(consoleClients, c.ClientID) {
		return "", nil, &refusal{http.StatusUnauthorized, "sign in again: only the console's own sign-in gives access to the admin API", bearerChallenge}
	}
	if revoked, err := a.srv.Store.IsRevoked(r.Context(), c.ID); err != nil || revoked {
		return "", nil, &refusal{http.StatusUnauthorized, "sign in again: the token was revoked", bearerChallenge}
	}
	if ref := a.checkBinding(r, token, dpopScheme, c.Cnf); ref != nil {
		return "", nil, ref
	}
	u, err := a.srv.Store.GetUser(r.Context(), c.Subject)
	if err != nil || !u.Admin || u.Disabled {
		return "", nil, &refusal{status: http.StatusForbidden, msg: errForbidden.Error()}
	}
	return "admin:" + u.Username, &consoleToken{jti: c.ID, clientID: c.ClientID, subject: c.Subject,
		expiresAt: c.ExpiresAt.Time}, nil
}

// checkBinding enforces a sender-constrained token's binding (RFC 9449
// §7, RFC 8705 §3) through the server's one check, dpop.Enforcer. The
// proof's htu is this issuer's URL of the API path called.
func (a *App) checkBinding(r *http.Request, token string, dpopScheme bool, cnf *dpop.Binding) *refusal {
	p := dpop.Presented{Request: r, Token: token, DPoPScheme: dpopScheme}
	if cnf != nil {
		p.Binding = *cnf
	}
	p.URL, _ = dpop.NormalizeHTU(a.info.Issuer + r.URL.EscapedPath())
	e := a.srv.OIDC.Binding().Check(p)
	switch {
	case e == nil:
		return nil
	case e.Status == http.StatusServiceUnavailable:
		a.log.Error().Err(e.Err).Msg("app: console: DPoP replay cache")
		return &refusal{status: e.Status, msg: "the server cannot check the DPoP proof now; retry"}
	case e.DPoP || p.Binding.JKT != "":
		return &refusal{e.Status, "sign in again: " + e.Description,
			`DPoP realm="latchkey-console", error="` + e.Code + `", algs="` + strings.Join(dpop.Algorithms, " ") + `"`}
	}
	return &refusal{e.Status, "sign in again: " + e.Description, bearerChallenge + `, error="` + e.Code + `"`}
}

var errForbidden = errors.New("this account is not an administrator")

// withToken returns a with the access token of the current call.
func (a *App) withToken(t *consoleToken) *App {
	a.tok = t
	return a
}

// SignOut ends the browser console's sign-in: the access token of this
// call stops working at once, with every token of the grant it came
// from. The desktop window and the CLI have no token to end.
func (a *App) SignOut() error {
	t := a.tok
	if t == nil {
		return nil
	}
	ctx := a.ctx("console.sign_out")
	now := a.now()
	if err := a.srv.Store.RevokeAccessToken(ctx, authcore.Revocation{JTI: t.jti, ExpiresAt: t.expiresAt, RevokedAt: now}); err != nil {
		return err
	}
	g, err := a.grantOf(ctx, t)
	if err != nil {
		return err
	}
	const reason = "signed out of the console"
	if g != nil {
		if err := a.srv.Store.RevokeGrant(ctx, g.ID, reason, now); err != nil && !errors.Is(err, authcore.ErrNotFound) {
			return err
		}
		a.grantRevoked(ctx, *g, reason)
		return nil
	}
	a.srv.Audit.Record(ctx, audit.Event{Time: now, Type: audit.TokenRevoked, Outcome: audit.Success, Actor: a.actor(),
		ClientID: t.clientID, Subject: t.subject,
		Details: map[string]any{"jti": t.jti, "token_type": "access_token", "reason": reason}})
	return nil
}

// grantOf finds the live grant that issued t, or nil.
func (a *App) grantOf(ctx context.Context, t *consoleToken) (*authcore.Grant, error) {
	gs, err := a.srv.Store.ListGrants(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if g.Revoked || g.ClientID != t.clientID || g.UserID != t.subject {
			continue
		}
		if slices.ContainsFunc(g.AccessJTIs, func(it authcore.IssuedToken) bool { return it.JTI == t.jti }) {
			return &g, nil
		}
	}
	return nil, nil
}
