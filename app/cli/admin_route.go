package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore/gateway"
)

// routeFlags are the fields of `route add|update`.
type routeFlags struct {
	name, prefix, upstream, audience, perClient, perIP, host, acr string
	scopes, anyScopes, clients, methods                           stringList
	strip, failOpen                                               bool
	maxBody                                                       int64
	detailType                                                    string // RFC 9396
}

func (f *routeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "route name (default: the prefix)")
	fs.StringVar(&f.prefix, "prefix", "", "path prefix, e.g. /api/")
	fs.StringVar(&f.host, "host", "", "only requests for this Host")
	fs.StringVar(&f.upstream, "upstream", "", "upstream base URL, e.g. http://127.0.0.1:9000")
	fs.StringVar(&f.audience, "audience", "", "audience tokens must name (default: the issuer)")
	fs.Var(&f.scopes, "scope", "scope every token must carry (repeatable)")
	fs.Var(&f.anyScopes, "any-scope", "at least one of these scopes (repeatable)")
	fs.Var(&f.clients, "client", "only these client ids (repeatable)")
	fs.Var(&f.methods, "method", "only these HTTP methods (repeatable)")
	fs.StringVar(&f.perClient, "rate-per-client", "", `rate limit per client, e.g. "100/s"`)
	fs.StringVar(&f.perIP, "rate-per-ip", "", `rate limit per IP, e.g. "10/s"`)
	fs.BoolVar(&f.strip, "strip-prefix", false, "remove the prefix before proxying")
	fs.BoolVar(&f.failOpen, "revocation-fail-open", false, "serve while revocation status is unknown (default: fail closed)")
	fs.Int64Var(&f.maxBody, "max-body", 0, "request body limit in bytes (0: default)")
	fs.StringVar(&f.acr, "acr", "", `weakest sign-in a token must have, e.g. "urn:latchkey:acr:mfa" (401 insufficient_user_authentication otherwise)`)
	fs.StringVar(&f.detailType, "require-authorization-details-type", "", "an authorization_details type the token must carry (403 insufficient_scope otherwise)")
}

func (f *routeFlags) route() gateway.Route {
	return gateway.Route{Name: f.name, Prefix: f.prefix, Host: f.host, Upstream: f.upstream, Audience: f.audience,
		Scopes: f.scopes, AnyScopes: f.anyScopes, Clients: f.clients, Methods: f.methods, StripPrefix: f.strip,
		RevocationFailOpen: f.failOpen, MaxBodyBytes: f.maxBody, ACR: f.acr,
		RequireAuthorizationDetailsType: f.detailType,
		RateLimit:                       gateway.RateLimit{PerClient: f.perClient, PerIP: f.perIP}}
}

func printRoutes(rs []app.Route) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "PREFIX\tUPSTREAM\tSCOPES\tAUDIENCE\tRATE/CLIENT")
		for _, r := range rs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Prefix, r.Upstream, strings.Join(r.Scopes, " "), r.Audience, r.RateLimit.PerClient)
		}
	}
}

func routeCommands() map[string]adminCmd {
	return map[string]adminCmd{
		"add": {help: "protect an upstream API behind the embedded gateway (live at once)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			var f routeFlags
			f.register(fs)
			return func(c caller, _ []string, o *output) error {
				var out []app.Route
				if err := c.call("AddRoute", &out, f.route()); err != nil {
					return err
				}
				return o.print(out, printRoutes(out))
			}
		}},
		"update": {args: "PREFIX ", help: "replace the route with PREFIX", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			var f routeFlags
			f.register(fs)
			return func(c caller, pos []string, o *output) error {
				r := f.route()
				if r.Prefix == "" {
					r.Prefix = pos[0]
				}
				var out []app.Route
				if err := c.call("UpdateRoute", &out, pos[0], r); err != nil {
					return err
				}
				return o.print(out, printRoutes(out))
			}
		}},
		"remove": {args: "PREFIX ", help: "remove the route with PREFIX", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, pos []string, o *output) error {
				var out []app.Route
				if err := c.call("RemoveRoute", &out, pos[0]); err != nil {
					return err
				}
				return o.print(out, printRoutes(out))
			}
		}},
		"list": {help: "list the gateway's routes", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var out []app.Route
				if err := c.call("ListRoutes", &out); err != nil {
					return err
				}
				return o.print(out, printRoutes(out))
			}
		}},
		"feed-token": {help: "make the credential standalone gateways use for the revocation feed (shown once)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var tok string
				if err := c.call("NewFeedToken", &tok); err != nil {
					return err
				}
				return o.print(map[string]string{"feed_token": tok}, func(w io.Writer) {
					fmt.Fprintf(w, "feed token\t%s\t(shown once; put it in the gateway file's feed.credential)\n", tok)
				})
			}
		}},
	}
}
