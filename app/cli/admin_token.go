package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/app"
)

// tokenFilter is the Tokens screen's filter as flags: client, user (id or
// username), scope, signing key, grant (a refresh-token family) and state.
type tokenFilter struct {
	client, user, scope, kid, grant, state string
}

func (f *tokenFilter) register(fs *flag.FlagSet) {
	fs.StringVar(&f.client, "client", "", "only grants of this client id")
	fs.StringVar(&f.user, "user", "", "only grants of this user (id or username)")
	fs.StringVar(&f.scope, "scope", "", "only grants holding this scope")
	fs.StringVar(&f.kid, "kid", "", "only grants with a live access token signed by this key")
	fs.StringVar(&f.grant, "grant", "", "only this grant (its refresh-token family)")
}

// grants lists the grants matching f through the console's ListGrants.
// state is active (live grants), revoked, or all (also expired ones).
func (f *tokenFilter) grants(c caller) ([]app.Grant, error) {
	switch f.state {
	case "", "active", "revoked", "all":
	default:
		return nil, fmt.Errorf("--state %q: use active, revoked or all", f.state)
	}
	gf := app.GrantFilter{ClientID: f.client, Scope: f.scope, Kid: f.kid, IncludeRevoked: f.state == "revoked" || f.state == "all"}
	if f.user != "" {
		var u app.User
		if err := c.call("GetUser", &u, f.user); err != nil {
			return nil, err
		}
		gf.UserID = u.ID
	}
	var all []app.Grant
	if err := c.call("ListGrants", &all, gf); err != nil {
		return nil, err
	}
	out := []app.Grant{}
	for _, g := range all {
		if (f.grant == "" || g.ID == f.grant) && (f.state != "revoked" || g.Revoked) {
			out = append(out, g)
		}
	}
	return out, nil
}

func grantState(g app.Grant) string {
	if g.Revoked {
		return "revoked"
	}
	return "active"
}

func printGrants(gs []app.Grant) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "GRANT\tCLIENT\tUSER\tSCOPE\tSTATE\tACCESS TOKENS\tKEYS\tCREATED\tEXPIRES")
		for _, g := range gs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", g.ID, g.ClientID, dash(g.UserID), g.Scope, grantState(g),
				g.AccessTokens, dash(strings.Join(g.Kids, ",")), g.CreatedAt, dash(g.ExpiresAt))
		}
	}
}

func printGrant(g app.Grant) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, "grant\t%s\nclient\t%s\nuser\t%s\nscope\t%s\n", g.ID, g.ClientID, dash(g.UserID), g.Scope)
		if g.Subject != g.UserID {
			fmt.Fprintf(w, "sub (pairwise)\t%s\n", g.Subject)
		}
		fmt.Fprintf(w, "audience\t%s\nstate\t%s\n", dash(strings.Join(g.Audience, " ")), grantState(g))
		if g.AuthorizationDetails != "" {
			fmt.Fprintf(w, "authorization details\t%s\n", g.AuthorizationDetails) // RFC 9396
		}
		if g.Revoked {
			fmt.Fprintf(w, "revoked\t%s (%s)\n", g.RevokedAt, g.RevokedReason)
		}
		fmt.Fprintf(w, "access tokens\t%d\nsigning keys\t%s\ncreated\t%s\nexpires\t%s\n",
			g.AccessTokens, dash(strings.Join(g.Kids, " ")), g.CreatedAt, dash(g.ExpiresAt))
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func tokenCommands() map[string]adminCmd {
	return map[string]adminCmd{
		"list": {help: "list grants (refresh-token families and their access tokens), filtered as on the Tokens screen", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			var f tokenFilter
			f.register(fs)
			fs.StringVar(&f.state, "state", "active", "active, revoked, or all (also expired)")
			return func(c caller, _ []string, o *output) error {
				gs, err := f.grants(c)
				if err != nil {
					return err
				}
				return o.print(gs, printGrants(gs))
			}
		}},
		"show": {args: "GRANT_ID ", help: "show one grant, revoked or not", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, pos []string, o *output) error {
				f := tokenFilter{grant: pos[0], state: "all"}
				gs, err := f.grants(c)
				if err != nil {
					return err
				}
				if len(gs) == 0 {
					return fmt.Errorf("no grant %s", pos[0])
				}
				return o.print(gs[0], printGrant(gs[0]))
			}
		}},
		"revoke": {help: "revoke the grants matching --grant, --client, --user, --kid and --scope, or one access token from stdin", flags: revokeTokens},
	}
}
