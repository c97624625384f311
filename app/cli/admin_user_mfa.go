package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/latchkey/latchkey/app"
)

// printFactors lists second factors, never a secret.
func printFactors(fs []app.Factor) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "ID\tKIND\tNAME\tCONFIRMED\tCREATED\tLAST USED\tCODES LEFT")
		for _, f := range fs {
			left := ""
			if f.Kind == "recovery" {
				left = fmt.Sprint(f.Remaining)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\t%s\n", f.ID, f.Kind, f.Name, f.Confirmed, f.CreatedAt, f.LastUsedAt, left)
		}
	}
}

// userMFACommands are `user show`, `user mfa list|reset USER` and
// `user require-mfa USER on|off`.
func userMFACommands(cmds map[string]adminCmd) {
	cmds["show"] = adminCmd{args: "USER ", help: "show a user with their second factors (never a secret)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
		return func(c caller, pos []string, o *output) error {
			var u app.User
			if err := c.call("GetUser", &u, pos[0]); err != nil {
				return err
			}
			var factors []app.Factor
			if err := c.call("UserFactors", &factors, pos[0]); err != nil {
				return err
			}
			out := map[string]any{"user": u, "factors": factors}
			return o.print(out, func(w io.Writer) {
				printUsers([]app.User{u})(w)
				fmt.Fprintf(w, "\nsecond factor required\t%v\n\n", u.RequireMFA)
				printFactors(factors)(w)
			})
		}
	}}
	cmds["mfa"] = adminCmd{args: "list|reset USER ", help: "list a user's second factors, or remove them all (audited)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
		return func(c caller, pos []string, o *output) error {
			switch pos[0] {
			case "list":
				var factors []app.Factor
				if err := c.call("UserFactors", &factors, pos[1]); err != nil {
					return err
				}
				return o.print(factors, printFactors(factors))
			case "reset":
				var n int
				if err := c.call("ResetUserFactors", &n, pos[1]); err != nil {
					return err
				}
				return o.print(map[string]any{"user": pos[1], "removed": n}, func(w io.Writer) {
					fmt.Fprintf(w, "removed %d factor(s) of %s\n", n, pos[1])
				})
			}
			return fmt.Errorf("latchkey user mfa: want list or reset, not %q", pos[0])
		}
	}}
	cmds["require-mfa"] = adminCmd{args: "USER on|off ", help: "make a user sign in with a second factor (or not)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
		return func(c caller, pos []string, o *output) error {
			if pos[1] != "on" && pos[1] != "off" {
				return fmt.Errorf("latchkey user require-mfa: want on or off, not %q", pos[1])
			}
			var u app.User
			if err := c.call("SetUserRequireMFA", &u, pos[0], pos[1] == "on"); err != nil {
				return err
			}
			return o.print(u, printUsers([]app.User{u}))
		}
	}}
}
