package cli

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/latchkey/latchkey/app"
)

func printKeys(ks []app.Key) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "KID\tALG\tSTATE\tCREATED\tACTIVATED\tTAKES OVER\tLIVE TOKENS")
		for _, k := range ks {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", k.ID, k.Algorithm, k.State, k.CreatedAt, dash(k.ActivatedAt),
				dash(k.PromoteAt), k.LiveTokens)
		}
	}
}

func keyCommands() map[string]adminCmd {
	return map[string]adminCmd{
		"list": {help: "list signing keys and their lifecycle", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var out []app.Key
				if err := c.call("ListKeys", &out); err != nil {
					return err
				}
				return o.print(out, printKeys(out))
			}
		}},
		"rotate": {help: "stage a rotation: the published next key takes over when relying parties have it", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			alg := fs.String("alg", "", "algorithm to rotate (default: the default algorithm)")
			return func(c caller, _ []string, o *output) error {
				var before, out []app.Key
				if err := c.call("ListKeys", &before); err != nil {
					return err
				}
				if err := c.call("RotateKey", &out, *alg); err != nil {
					return err
				}
				return o.print(out, func(w io.Writer) {
					printKeys(out)(w)
					fmt.Fprintf(w, "\n%s\n", rotationSummary(before, out, *alg, time.Now()))
				})
			}
		}},
		"revoke": {args: "KID ", help: "emergency: withdraw a compromised key now (tokens it signed stop working)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			reason := fs.String("reason", "", "why (recorded in the audit log; required)")
			return func(c caller, pos []string, o *output) error {
				var out []app.Key
				if err := c.call("RevokeKey", &out, pos[0], *reason); err != nil {
					return err
				}
				return o.print(out, printKeys(out))
			}
		}},
	}
}
