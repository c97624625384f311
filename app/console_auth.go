package app

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
)

// The browser console logs in to Latchkey itself, as a public client using
// the authorization code flow with PKCE, and calls the API with an access
// token carrying AdminScope, held by a user with the admin role.
const (
	ConsoleClientID = "latchkey-console"
	AdminScope      = oauth.AdminScope
)

// EnsureConsoleClient registers (or re-points at the current issuer) the
// console's own public client: its one redirect URI is <issuer>/console/.
// It also marks first run over when an administrator exists.
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
	if us, err := srv.Store.ListUsers(ctx); err == nil && slices.ContainsFunc(us, isAdmin) {
		// An installation from before the first-run mark: an administrator
		// exists, so first run is over.
		if err := markFirstRunOver(ctx, srv.Store); err != nil {
			return err
		}
	}
	err := srv.Store.UpdateClient(ctx, ConsoleClientID, func(c authcore.Client) (authcore.Client, error) {
		return consoleClientRepaired(c, want), nil
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

func (a *App) consoleConfig(r *http.Request, loc *Locality) consoleConfig {
	return consoleConfig{Auth: "oauth", Issuer: a.info.Issuer, ClientID: ConsoleClientID,
		RedirectURI: a.info.Issuer + "/console/", Scope: "openid " + AdminScope,
		FirstRun: loc.FirstRun(r) && !a.firstRunOver(r.Context())}
}

// FirstRunSetting is the store setting that records that the first
// administrator exists: first run happens once, even if every
// administrator is later disabled or removed. Recovery is the CLI's
// (latchkey user create --admin, user enable) on the host with the data
// directory, never a web page.
const FirstRunSetting = "console.first_run_over"

func isAdmin(u authcore.User) bool { return u.Admin }

// firstRunOver reports whether first run is over: the mark is in the
// store, or an administrator exists (enabled or not; it then records the
// mark). When unsure it says over (fail closed).
func (a *App) firstRunOver(ctx context.Context) bool {
	v, err := a.srv.Store.GetSetting(ctx, FirstRunSetting)
	if err == nil && len(v) > 0 || err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return true
	}
	us, err := a.srv.Store.ListUsers(ctx)
	if err != nil || slices.ContainsFunc(us, isAdmin) {
		_ = markFirstRunOver(ctx, a.srv.Store)
		return true
	}
	return false
}

// markFirstRunOver records that first run is over.
func markFirstRunOver(ctx context.Context, st authcore.Settings) error {
	return st.PutSetting(ctx, FirstRunSetting, []byte("1"))
}

// Me is the person using the console.
type Me struct {
	Actor string `json:"actor"`
}

// Me names who the console acts as (for the header and audit events).
func (a *App) Me() (Me, error) { return Me{Actor: a.actor()}, nil }

// CreateFirstAdmin creates the first administrator. It works once, while
// no administrator was ever created; in a browser, only from this machine
// and only on a server whose issuer is a loopback URL.
func (a *App) CreateFirstAdmin(in UserInput) (User, error) {
	ctx := a.ctx("user.create_first_admin")
	a.admins.Lock()
	defer a.admins.Unlock()
	if a.firstRunOver(ctx) {
		return User{}, &Error{Status: http.StatusForbidden, Message: "first run is over: an administrator was already created; sign in, or recover with the CLI on the server host (latchkey user create --admin)"}
	}
	in.Admin = true
	return a.createUser(ctx, in)
}

// consoleClientRepaired puts back what the console's sign-in depends on
// (a public PKCE client with its redirect URI, the admin scope and the
// user's own id as sub) and keeps an administrator's other choices, such
// as require_mfa or token lifetimes: an edit of those fields in the
// Clients screen would otherwise lock every administrator out.
func consoleClientRepaired(c, want authcore.Client) authcore.Client {
	c.Type, c.AuthMethod = want.Type, want.AuthMethod
	c.RedirectURIs, c.GrantTypes, c.Scopes = want.RedirectURIs, want.GrantTypes, want.Scopes
	c.SubjectType, c.SectorIdentifierURI = "", ""
	c.RequirePushedAuthorizationRequests = false
	c.SecretHash, c.PrevSecretHash = nil, nil
	return c
}
