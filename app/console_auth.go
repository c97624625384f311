package app

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/server"
)

// The browser console logs in to Latchkey itself, as a public client using
// the authorization code flow with PKCE, and calls the API with an access
// token carrying AdminScope, held by a user with the admin role.
const (
	ConsoleClientID = "latchkey-console"
	AdminScope      = "latchkey:admin"
)

// EnsureConsoleClient registers (or re-points at the current issuer) the
// console's own public client: its one redirect URI is <issuer>/console/.
func EnsureConsoleClient(ctx context.Context, srv *server.Server) error {
	if _, err := srv.Store.GetScope(ctx, AdminScope); errors.Is(err, authcore.ErrNotFound) {
		if _, err := srv.OAuth.CreateScope(ctx, AdminScope, "Administer this Latchkey server from the console"); err != nil {
			return err
		}
	}
	want := authcore.Client{
		ID: ConsoleClientID, Name: "Latchkey console", Type: authcore.Public,
		RedirectURIs: []string{srv.Issuer + "/console/"}, GrantTypes: []string{authcore.GrantAuthorizationCode},
		Scopes: []string{"openid", AdminScope}, AuthMethod: authcore.AuthNone,
	}
	err := srv.Store.UpdateClient(ctx, ConsoleClientID, func(c authcore.Client) (authcore.Client, error) {
		want.CreatedAt, want.UpdatedAt = c.CreatedAt, c.UpdatedAt
		if slices.Equal(c.RedirectURIs, want.RedirectURIs) && slices.Equal(c.Scopes, want.Scopes) {
			return c, nil
		}
		return want, nil
	})
	if errors.Is(err, authcore.ErrNotFound) {
		return srv.Store.CreateClient(ctx, want)
	}
	return err
}

// consoleConfig is what the browser console needs to log in.
type consoleConfig struct {
	Auth        string `json:"auth"`
	Issuer      string `json:"issuer"`
	ClientID    string `json:"client_id"`
	RedirectURI string `json:"redirect_uri"`
	Scope       string `json:"scope"`
	FirstRun    bool   `json:"first_run"`
}

func (a *App) consoleConfig(r *http.Request) consoleConfig {
	return consoleConfig{Auth: "oauth", Issuer: a.info.Issuer, ClientID: ConsoleClientID,
		RedirectURI: a.info.Issuer + "/console/", Scope: "openid " + AdminScope,
		FirstRun: isLoopback(r.RemoteAddr) && !a.hasAdmin(r.Context())}
}

func (a *App) hasAdmin(ctx context.Context) bool {
	us, err := a.srv.Store.ListUsers(ctx)
	if err != nil {
		return true // fail closed: no first-run shortcut when unsure
	}
	return slices.ContainsFunc(us, func(u authcore.User) bool { return u.Admin && !u.Disabled })
}

// accessClaims are the claims the console API reads from an access token.
type accessClaims struct {
	jwt.RegisteredClaims
	Scope string `json:"scope"`
}

// adminFromToken verifies a console access token: signed by a live key of
// this issuer, typ at+jwt, unexpired, not revoked, audience this server,
// scope latchkey:admin, subject an enabled admin. It returns the actor.
func (a *App) adminFromToken(ctx context.Context, token string) (string, error) {
	var c accessClaims
	if _, err := a.srv.Keys.Verify(token, "at+jwt", &c); err != nil {
		return "", errors.New("invalid access token")
	}
	if !slices.Contains(c.Audience, a.info.Issuer) || !slices.Contains(strings.Fields(c.Scope), AdminScope) {
		return "", errors.New("the token does not carry " + AdminScope + " for this server")
	}
	if revoked, err := a.srv.Store.IsRevoked(ctx, c.ID); err != nil || revoked {
		return "", errors.New("the token was revoked")
	}
	u, err := a.srv.Store.GetUser(ctx, c.Subject)
	if err != nil || !u.Admin || u.Disabled {
		return "", errForbidden
	}
	return "admin:" + u.Username, nil
}

var errForbidden = errors.New("this account is not an administrator")

// Me is the person using the console.
type Me struct {
	Actor string `json:"actor"`
}

// Me names who the console acts as (for the header and audit events).
func (a *App) Me() (Me, error) { return Me{Actor: a.actor()}, nil }

// CreateFirstAdmin creates the first administrator. It works only while
// the server has none; in a browser, only from this machine.
func (a *App) CreateFirstAdmin(in UserInput) (User, error) {
	ctx := a.ctx("user.create_first_admin")
	if a.hasAdmin(ctx) {
		return User{}, &Error{Status: http.StatusForbidden, Message: "an administrator already exists; sign in"}
	}
	in.Admin = true
	return a.CreateUser(in)
}
