package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/latchkey/latchkey/app"
)

func printUsers(us []app.User) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "ID\tUSERNAME\tEMAIL\tADMIN\tMFA\tSTATE")
		for _, u := range us {
			state := "active"
			switch {
			case u.Disabled:
				state = "disabled"
			case u.Locked:
				state = "locked until " + u.LockedUntil
			}
			mfa := "none"
			switch {
			case u.SecondFactor:
				mfa = "enrolled"
			case u.RequireMFA:
				mfa = "required"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\n", u.ID, u.Username, u.Email, u.Admin, mfa, state)
		}
	}
}

func userCommands() map[string]adminCmd {
	setDisabled := func(disabled bool) func(fs *flag.FlagSet) func(caller, []string, *output) error {
		return func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, pos []string, o *output) error {
				var out app.User
				if err := c.call("SetUserDisabled", &out, pos[0], disabled); err != nil {
					return err
				}
				return o.print(out, printUsers([]app.User{out}))
			}
		}
	}
	cmds := map[string]adminCmd{
		"create": {help: "create a user; the password is read from standard input", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			var in app.UserInput
			fs.StringVar(&in.Username, "username", "", "login name")
			fs.StringVar(&in.Email, "email", "", "email address")
			fs.StringVar(&in.DisplayName, "name", "", "display name")
			fs.BoolVar(&in.Admin, "admin", false, "give the user the console admin role")
			stdin := fs.Bool("password-stdin", false, "read the password from standard input (required)")
			return func(c caller, _ []string, o *output) error {
				if !*stdin {
					return fmt.Errorf("give the password on standard input with --password-stdin (never on the command line)")
				}
				pw, err := readSecretLine(o.in)
				if err != nil {
					return err
				}
				in.Password = pw
				var out app.User
				if err := c.call("CreateUser", &out, in); err != nil {
					return err
				}
				return o.print(out, printUsers([]app.User{out}))
			}
		}},
		"list": {help: "list users", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var out []app.User
				if err := c.call("ListUsers", &out); err != nil {
					return err
				}
				return o.print(out, printUsers(out))
			}
		}},
		"disable": {args: "USER ", help: "disable a user (by id or username) and end their sessions", flags: setDisabled(true)},
		"enable":  {args: "USER ", help: "enable a disabled user", flags: setDisabled(false)},
		"unlock": {args: "USER ", help: "lift a lockout after failed logins", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, pos []string, o *output) error {
				var out app.User
				if err := c.call("UnlockUser", &out, pos[0]); err != nil {
					return err
				}
				return o.print(out, printUsers([]app.User{out}))
			}
		}},
		"set-password": {args: "USER ", help: "set a user's password from standard input", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			stdin := fs.Bool("password-stdin", false, "read the password from standard input (required)")
			return func(c caller, pos []string, o *output) error {
				if !*stdin {
					return fmt.Errorf("give the password on standard input with --password-stdin")
				}
				pw, err := readSecretLine(o.in)
				if err != nil {
					return err
				}
				if err := c.call("SetUserPassword", nil, pos[0], pw); err != nil {
					return err
				}
				return o.print(map[string]any{"updated": pos[0]}, func(w io.Writer) { fmt.Fprintf(w, "password set for %s\n", pos[0]) })
			}
		}},
	}
	userMFACommands(cmds)                  // admin_user_mfa.go
	cmds["subjects"] = userSubjectsCommand // admin_user_pairwise.go
	return cmds
}

func scopeCommands() map[string]adminCmd {
	return map[string]adminCmd{
		"create": {help: "register a scope", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			name := fs.String("name", "", "scope name (e.g. orders:write)")
			desc := fs.String("description", "", "what it allows, shown on the consent page")
			return func(c caller, _ []string, o *output) error {
				var out app.Scope
				if err := c.call("CreateScope", &out, *name, *desc); err != nil {
					return err
				}
				return o.print(out, func(w io.Writer) { fmt.Fprintf(w, "%s\t%s\n", out.Name, out.Description) })
			}
		}},
		"list": {help: "list scopes", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var out []app.Scope
				if err := c.call("ListScopes", &out); err != nil {
					return err
				}
				return o.print(out, func(w io.Writer) {
					fmt.Fprintln(w, "SCOPE\tDESCRIPTION")
					for _, s := range out {
						fmt.Fprintf(w, "%s\t%s\n", s.Name, s.Description)
					}
				})
			}
		}},
	}
}
