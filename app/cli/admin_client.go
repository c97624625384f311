package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore"
)

func sortStrings(s []string) { slices.Sort(s) }

// grantTypeUsage is the help of every flag that takes a grant type.
var grantTypeUsage = "grant type (repeatable): " + strings.Join(authcore.SupportedGrants(), ", ")

// clientFlags are the fields of `client create` and `client update`.
type clientFlags struct {
	name, typ, scope, authMethod string
	redirects, grants, audience  stringList
	accessTTL, refreshTTL        time.Duration
	jwks, idTokenAlg, jarmAlg    string
	postLogout                   stringList
	backchannel, frontchannel    string
	frontchannelSID              bool
	requireMFA                   bool
	detailTypes                  stringList // RFC 9396 authorization_details_types
	subjectType, sectorURI       string     // pairwise subjects
	cibaMode, cibaEndpoint       string
}

func (f *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "display name shown on the consent page")
	fs.StringVar(&f.typ, "type", "confidential", "confidential (a server that keeps a secret) or public (SPA, native app)")
	fs.Var(&f.redirects, "redirect-uri", "exact redirect URI (repeatable)")
	fs.Var(&f.grants, "grant-type", grantTypeUsage)
	fs.StringVar(&f.scope, "scope", "", `allowed scopes, space-separated ("openid profile")`)
	fs.Var(&f.audience, "audience", "resource its access tokens may name (repeatable)")
	fs.StringVar(&f.authMethod, "auth-method", "", "client_secret_basic (default) or client_secret_post; public clients use none")
	fs.DurationVar(&f.accessTTL, "access-token-ttl", 0, "access-token lifetime (0: server default)")
	fs.DurationVar(&f.refreshTTL, "refresh-token-ttl", 0, "refresh-token lifetime (0: server default)")
	fs.StringVar(&f.jwks, "jwks", "", "private_key_jwt: file holding the client's public JWKS")
	fs.StringVar(&f.idTokenAlg, "id-token-alg", "", "ID token signing algorithm (ES256 default; RS256, PS256, EdDSA)")
	fs.StringVar(&f.jarmAlg, "authorization-response-alg", "", "JARM response signing algorithm (ES256 default; any the server signs with)")
	fs.Var(&f.postLogout, "post-logout-redirect-uri", "exact URI allowed after RP-initiated logout (repeatable)")
	fs.StringVar(&f.backchannel, "backchannel-logout-uri", "", "where logout tokens are POSTed (OIDC Back-Channel Logout)")
	fs.StringVar(&f.frontchannel, "frontchannel-logout-uri", "", "framed by the signed-out page (OIDC Front-Channel Logout)")
	fs.BoolVar(&f.frontchannelSID, "frontchannel-logout-session", false, "add iss and sid to the front-channel logout URI")
	fs.BoolVar(&f.requireMFA, "require-mfa", false, "every sign-in for this client uses a second factor (--require-mfa=false turns it off)")
	fs.Var(&f.detailTypes, "authorization-details-type", "a registered authorization_details type the client may request (RFC 9396; repeatable)")
	fs.StringVar(&f.subjectType, "subject-type", "", "public (default: sub is the user id) or pairwise (a sub per sector, OIDC Core 8.1)")
	fs.StringVar(&f.cibaMode, "ciba-mode", "", "CIBA token delivery: poll (the default with --grant-type "+authcore.GrantCIBA+") or ping")
	fs.StringVar(&f.cibaEndpoint, "ciba-notification-endpoint", "", "CIBA ping mode: the client's https notification endpoint")
	fs.StringVar(&f.sectorURI, "sector-identifier-uri", "", "https URL of a JSON array listing every redirect URI; its host is the pairwise sector")
}

func (f *clientFlags) input() (app.ClientInput, error) {
	in := app.ClientInput{Name: f.name, Type: f.typ, RedirectURIs: f.redirects, GrantTypes: f.grants,
		Scope: f.scope, Audience: f.audience, AuthMethod: f.authMethod,
		AccessTokenTTL: int64(f.accessTTL / time.Second), RefreshTokenTTL: int64(f.refreshTTL / time.Second),
		IDTokenAlg: f.idTokenAlg, AuthzResponseAlg: f.jarmAlg, PostLogoutRedirectURIs: f.postLogout, BackchannelLogoutURI: f.backchannel,
		FrontchannelLogoutURI: f.frontchannel, FrontchannelLogoutSID: f.frontchannelSID, RequireMFA: f.requireMFA,
		AuthorizationDetailsTypes: f.detailTypes,
		SubjectType:               f.subjectType, SectorIdentifierURI: f.sectorURI,
		CIBAMode: f.cibaMode, CIBAEndpoint: f.cibaEndpoint}
	if in.CIBAMode == "" && slices.Contains(f.grants, authcore.GrantCIBA) {
		in.CIBAMode = authcore.CIBAPoll // the mode a CIBA client needs least set up for
	}
	if f.jwks != "" {
		raw, err := os.ReadFile(f.jwks)
		if err != nil {
			return in, fmt.Errorf("--jwks: %w", err)
		}
		in.JWKS = string(raw)
	}
	return in, nil
}

func printClient(c app.Client) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, "client_id\t%s\n", c.ID)
		if c.Secret != "" {
			fmt.Fprintf(w, "client_secret\t%s\t(shown once: store it now)\n", c.Secret)
		}
		fmt.Fprintf(w, "name\t%s\ntype\t%s\nauth method\t%s\n", c.Name, c.Type, c.AuthMethod)
		fmt.Fprintf(w, "redirect URIs\t%s\ngrant types\t%s\nscope\t%s\n",
			strings.Join(c.RedirectURIs, " "), strings.Join(c.GrantTypes, " "), c.Scope)
		if len(c.Audience) > 0 {
			fmt.Fprintf(w, "audience\t%s\n", strings.Join(c.Audience, " "))
		}
		if c.HasPrevSecret {
			fmt.Fprintf(w, "previous secret\tvalid until %s\n", c.PrevSecretUntil)
		}
		if c.RequireMFA {
			fmt.Fprintln(w, "sign-in\tsecond factor required")
		}
		if c.SubjectType == authcore.SubjectPairwise {
			fmt.Fprintf(w, "subject type\tpairwise (sector %s)\n", c.Sector)
		}
		if c.SectorURI != "" {
			fmt.Fprintf(w, "sector identifier URI\t%s\n", c.SectorURI)
		}
		fmt.Fprintf(w, "created\t%s\n", c.CreatedAt)
	}
}

func clientCommands() map[string]adminCmd {
	return map[string]adminCmd{
		"create": {help: "register a client (its secret is printed once)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			var f clientFlags
			f.register(fs)
			return func(c caller, _ []string, o *output) error {
				in, err := f.input()
				if err != nil {
					return err
				}
				var out app.Client
				if err := c.call("CreateClient", &out, in); err != nil {
					return err
				}
				return o.print(out, printClient(out))
			}
		}},
		"update": {args: "CLIENT_ID ", help: "replace a client's settings", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			var f clientFlags
			f.register(fs)
			return func(c caller, pos []string, o *output) error {
				var cur app.Client
				if err := c.call("GetClient", &cur, pos[0]); err != nil {
					return err
				}
				in, err := f.input()
				if err != nil {
					return err
				}
				set := map[string]bool{}
				fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
				keep := func(name string, apply func()) {
					if !set[name] {
						apply()
					}
				}
				keep("name", func() { in.Name = cur.Name })
				keep("type", func() { in.Type = cur.Type })
				keep("redirect-uri", func() { in.RedirectURIs = cur.RedirectURIs })
				keep("grant-type", func() { in.GrantTypes = cur.GrantTypes })
				keep("scope", func() { in.Scope = cur.Scope })
				keep("audience", func() { in.Audience = cur.Audience })
				keep("auth-method", func() { in.AuthMethod = cur.AuthMethod })
				keep("access-token-ttl", func() { in.AccessTokenTTL = cur.AccessTokenTTL })
				keep("refresh-token-ttl", func() { in.RefreshTokenTTL = cur.RefreshTokenTTL })
				keep("jwks", func() { in.JWKS = cur.JWKS })
				keep("id-token-alg", func() { in.IDTokenAlg = cur.IDTokenAlg })
				keep("authorization-response-alg", func() { in.AuthzResponseAlg = cur.AuthzRespAlg })
				keep("post-logout-redirect-uri", func() { in.PostLogoutRedirectURIs = cur.PostLogoutURIs })
				keep("frontchannel-logout-uri", func() { in.FrontchannelLogoutURI = cur.FrontchannelURI })
				keep("frontchannel-logout-session", func() { in.FrontchannelLogoutSID = cur.FrontchannelSID })
				keep("require-mfa", func() { in.RequireMFA = cur.RequireMFA })
				keep("authorization-details-type", func() { in.AuthorizationDetailsTypes = cur.DetailsTypes })
				keep("subject-type", func() { in.SubjectType = cur.SubjectType })
				keep("sector-identifier-uri", func() { in.SectorIdentifierURI = cur.SectorURI })
				keep("ciba-mode", func() { in.CIBAMode = cur.CIBAMode })
				keep("ciba-notification-endpoint", func() { in.CIBAEndpoint = cur.CIBAEndpoint })
				keep("backchannel-logout-uri", func() {
					in.BackchannelLogoutURI, in.BackchannelLogoutSID = cur.BackchannelURI, cur.BackchannelSID
				})
				var out app.Client
				if err := c.call("UpdateClient", &out, pos[0], in); err != nil {
					return err
				}
				return o.print(out, printClient(out))
			}
		}},
		"list": {help: "list clients", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var out []app.Client
				if err := c.call("ListClients", &out); err != nil {
					return err
				}
				return o.print(out, func(w io.Writer) {
					fmt.Fprintln(w, "CLIENT_ID\tNAME\tTYPE\tGRANTS\tSCOPE")
					for _, c := range out {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.Type, strings.Join(c.GrantTypes, ","), c.Scope)
					}
				})
			}
		}},
		"show": {args: "CLIENT_ID ", help: "show one client", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, pos []string, o *output) error {
				var out app.Client
				if err := c.call("GetClient", &out, pos[0]); err != nil {
					return err
				}
				return o.print(out, printClient(out))
			}
		}},
		"delete": {args: "CLIENT_ID ", help: "delete a client", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, pos []string, o *output) error {
				if err := c.call("DeleteClient", nil, pos[0]); err != nil {
					return err
				}
				return o.print(map[string]any{"deleted": pos[0]}, func(w io.Writer) { fmt.Fprintf(w, "deleted client %s\n", pos[0]) })
			}
		}},
		"registration-token": {help: "make a single-use initial access token for POST /register (shown once)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			ttl := fs.Duration("ttl", 24*time.Hour, "how long the token may be used (at most 720h)")
			return func(c caller, _ []string, o *output) error {
				var tok string
				if err := c.call("CreateRegistrationToken", &tok, int64(*ttl/time.Second)); err != nil {
					return err
				}
				return o.print(map[string]string{"initial_access_token": tok}, func(w io.Writer) {
					fmt.Fprintf(w, "initial access token\t%s\t(single use, shown once; send it as Authorization: Bearer to POST /register)\n", tok)
				})
			}
		}},
		"rotate-secret": {args: "CLIENT_ID ", help: "issue a new secret (printed once); --grace keeps the old one working", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			grace := fs.Duration("grace", 0, "how long the old secret keeps working (e.g. 1h)")
			return func(c caller, pos []string, o *output) error {
				var out app.Client
				if err := c.call("RotateClientSecret", &out, pos[0], int64(*grace/time.Second)); err != nil {
					return err
				}
				return o.print(out, printClient(out))
			}
		}},
	}
}
