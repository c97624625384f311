package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore/federation"
)

// idpFlags are the fields of `idp add|update`; only the flags given are
// sent, so update changes just those.
type idpFlags struct {
	fs                                               *flag.FlagSet
	id, issuer, name, clientID, secret, provisioning string
	sub, email, fullName, groups                     string
	audiences, algs, scopes, resources               stringList
	enabled                                          bool
	trustAuth                                        bool
}

func (f *idpFlags) register(fs *flag.FlagSet) {
	f.fs = fs
	fs.StringVar(&f.id, "id", "", "short name of the provider (a-z, 0-9, -), used in URLs")
	fs.StringVar(&f.issuer, "issuer", "", "the provider's issuer URL (its discovery document names it)")
	fs.StringVar(&f.name, "name", "", `display name ("Continue with <name>")`)
	fs.StringVar(&f.clientID, "client-id", "", "Latchkey's client id at the provider (brokered login)")
	fs.StringVar(&f.secret, "client-secret", "", "Latchkey's client secret at the provider (stored encrypted at rest; - reads it from stdin)")
	fs.Var(&f.audiences, "audience", "accepted aud of the provider's ID tokens (repeatable)")
	fs.Var(&f.algs, "alg", "allowed signing algorithm: RS256, ES256, PS256, EdDSA (repeatable; default all four)")
	fs.StringVar(&f.sub, "sub-claim", "", "claim that identifies the user (default sub)")
	fs.StringVar(&f.email, "email-claim", "", "email claim (default email)")
	fs.StringVar(&f.fullName, "name-claim", "", "name claim (default name)")
	fs.StringVar(&f.groups, "groups-claim", "", "groups claim (default groups)")
	fs.Var(&f.scopes, "scope", "Latchkey scope the provider's users may receive (repeatable)")
	fs.Var(&f.resources, "resource", "Latchkey resource the provider's users may reach (repeatable; default any the client may)")
	fs.StringVar(&f.provisioning, "provisioning", "", "create: a linked local user on first use; refuse (default): only linked users")
	fs.BoolVar(&f.enabled, "enabled", false, "trust the provider (add: default false)")
	fs.BoolVar(&f.trustAuth, "trust-auth-context", false, "carry the provider's acr/amr (e.g. its MFA) into Latchkey's tokens (default false)")
}

// spec returns the fields whose flags were given.
func (f *idpFlags) spec(in io.Reader) (app.IdentityProviderSpec, error) {
	s := app.IdentityProviderSpec{ID: f.id}
	var err error
	f.fs.Visit(func(fl *flag.Flag) {
		str := func(v string) *string { return &v }
		switch fl.Name {
		case "issuer":
			s.Issuer = str(f.issuer)
		case "name":
			s.DisplayName = str(f.name)
		case "client-id":
			s.ClientID = str(f.clientID)
		case "client-secret":
			v := f.secret
			if v == "-" {
				var b []byte
				if b, err = io.ReadAll(io.LimitReader(in, 4096)); err != nil {
					return
				}
				v = strings.TrimSpace(string(b))
			}
			s.ClientSecret = &v
		case "audience":
			s.Audiences = f.audiences
		case "alg":
			s.Algorithms = f.algs
		case "sub-claim":
			s.SubClaim = str(f.sub)
		case "email-claim":
			s.EmailClaim = str(f.email)
		case "name-claim":
			s.NameClaim = str(f.fullName)
		case "groups-claim":
			s.GroupsClaim = str(f.groups)
		case "scope":
			s.Scopes = f.scopes
		case "resource":
			s.Resources = f.resources
		case "provisioning":
			s.Provisioning = str(f.provisioning)
		case "enabled":
			e := f.enabled
			s.Enabled = &e
		case "trust-auth-context":
			ta := f.trustAuth
			s.TrustAuthContext = &ta
		}
	})
	return s, err
}

func printIDPs(ps []app.IdentityProvider) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "ID\tISSUER\tNAME\tENABLED\tPROVISIONING\tSCOPES")
		for _, p := range ps {
			fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\n", p.ID, p.Issuer, p.DisplayName, p.Enabled, p.Provisioning, strings.Join(p.Scopes, " "))
		}
	}
}

func printIDP(p app.IdentityProvider) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, "id\t%s\nissuer\t%s\nname\t%s\nenabled\t%v\nclient id\t%s\nclient secret set\t%v\n", p.ID, p.Issuer, p.DisplayName, p.Enabled, p.ClientID, p.HasSecret)
		fmt.Fprintf(w, "trusted for acr/amr\t%v\n", p.TrustAuthContext)
		fmt.Fprintf(w, "audiences\t%s\nalgorithms\t%s\nscopes\t%s\nresources\t%s\nprovisioning\t%s\n",
			strings.Join(p.Audiences, " "), strings.Join(p.Algorithms, " "), strings.Join(p.Scopes, " "), strings.Join(p.Resources, " "), p.Provisioning)
		fmt.Fprintf(w, "redirect uri\t%s\t(register it at the provider)\n", p.RedirectURI)
	}
}

func idpCommands() map[string]adminCmd {
	one := func(method string, withFlags bool) func(fs *flag.FlagSet) func(caller, []string, *output) error {
		return func(fs *flag.FlagSet) func(caller, []string, *output) error {
			var f idpFlags
			if withFlags {
				f.register(fs)
			}
			return func(c caller, pos []string, o *output) error {
				var out app.IdentityProvider
				var err error
				switch method {
				case "AddIdentityProvider":
					spec, e := f.spec(o.in)
					if e != nil {
						return e
					}
					err = c.call(method, &out, spec)
				case "UpdateIdentityProvider":
					spec, e := f.spec(o.in)
					if e != nil {
						return e
					}
					err = c.call(method, &out, pos[0], spec)
				default:
					err = c.call(method, &out, pos[0])
				}
				if err != nil {
					return err
				}
				return o.print(out, printIDP(out))
			}
		}
	}
	return map[string]adminCmd{
		"add":    {help: "trust an external OpenID provider (--id, --issuer, --audience or --client-id)", flags: one("AddIdentityProvider", true)},
		"update": {args: "ID ", help: "change the flags given on provider ID", flags: one("UpdateIdentityProvider", true)},
		"show":   {args: "ID ", help: "show provider ID (never its secret)", flags: one("GetIdentityProvider", false)},
		"remove": {args: "ID ", help: "stop trusting provider ID (its users and links stay)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, pos []string, o *output) error {
				if err := c.call("RemoveIdentityProvider", nil, pos[0]); err != nil {
					return err
				}
				return o.print(map[string]string{"removed": pos[0]}, func(w io.Writer) { fmt.Fprintf(w, "removed\t%s\n", pos[0]) })
			}
		}},
		"list": {help: "list the trusted external providers", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var out []app.IdentityProvider
				if err := c.call("ListIdentityProviders", &out); err != nil {
					return err
				}
				return o.print(out, printIDPs(out))
			}
		}},
		"test": {args: "ID|ISSUER ", help: "fetch the provider's discovery document and JWKS and show what they hold", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, pos []string, o *output) error {
				var rep federation.ConnectionReport
				if err := c.call("TestIdentityProvider", &rep, pos[0]); err != nil {
					return err
				}
				return o.print(rep, func(w io.Writer) {
					fmt.Fprintf(w, "issuer\t%s\nok\t%v\n", rep.Issuer, rep.OK)
					if rep.Error != "" {
						fmt.Fprintf(w, "error\t%s\n", rep.Error)
					}
					fmt.Fprintf(w, "authorization\t%s\ntoken\t%s\njwks\t%s\n", rep.AuthorizationEndpoint, rep.TokenEndpoint, rep.JWKSURI)
					for _, k := range rep.Keys {
						fmt.Fprintf(w, "key\t%s\t%s\n", k.KeyID, strings.Join(k.Algorithms, " "))
					}
				})
			}
		}},
	}
}
