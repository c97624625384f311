package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore/server"
)

// printSettings writes the live policy, then the facts a restart changes.
func printSettings(s app.Settings) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "SETTING\tVALUE\tDEFAULT\tFROM")
		for _, v := range s.Policy {
			from := v.Source
			if v.Source == "flag" {
				from = "flag " + v.Flag
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", v.Key, v.Value, v.Default, from)
		}
		for _, c := range s.Changed {
			fmt.Fprintf(w, "\nchanged\t%s\t%s -> %s\n", c.Key, c.From, c.To)
		}
		in := s.Instance
		fmt.Fprintf(w, "\nissuer\t%s\t(restart to change)\n", in.Issuer)
		fmt.Fprintf(w, "listening on\t%s\n", strings.Join(in.Addresses, ", "))
		fmt.Fprintf(w, "tls\t%s\n", in.TLS.Mode)
		if in.TLS.CAAvailable {
			fmt.Fprintf(w, "local CA\t%s\t(latchkey settings ca)\n", in.TLS.CAFile)
		}
		fmt.Fprintf(w, "signing algorithms\t%s\n", strings.Join(in.SigningAlgorithms, ", "))
		if s.UpdatedBy != "" {
			fmt.Fprintf(w, "saved by\t%s at %s\n", s.UpdatedBy, s.UpdatedAt)
		}
	}
}

func settingsCommands() map[string]adminCmd {
	return map[string]adminCmd{
		"show": {help: "the live settings, their defaults and where each comes from", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var s app.Settings
				if err := c.call("Settings", &s); err != nil {
					return err
				}
				return o.print(s, printSettings(s))
			}
		}},
		"set": {help: "change live settings (applied at once, no restart); a default value un-pins one", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			vals := map[string]*string{}
			for _, k := range server.PolicyKeys() {
				vals[k[0]] = fs.String(strings.ReplaceAll(k[0], "_", "-"), "", k[1])
			}
			return func(c caller, _ []string, o *output) error {
				in := app.SettingsInput{Values: map[string]string{}}
				fs.Visit(func(f *flag.Flag) {
					if k := strings.ReplaceAll(f.Name, "-", "_"); vals[k] != nil {
						in.Values[k] = *vals[k]
					}
				})
				if len(in.Values) == 0 {
					fs.Usage()
					return errUsage
				}
				var s app.Settings
				if err := c.call("UpdateSettings", &s, in); err != nil {
					return err
				}
				return o.print(s, printSettings(s))
			}
		}},
		"reset": {help: "forget every saved setting: the start flags and built-in defaults apply again", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var s app.Settings
				if err := c.call("Settings", &s); err != nil {
					return err
				}
				in := app.SettingsInput{Values: map[string]string{}}
				for _, v := range s.Policy {
					if v.Source == "saved" {
						in.Values[v.Key] = v.Default
					}
				}
				if len(in.Values) > 0 {
					if err := c.call("UpdateSettings", &s, in); err != nil {
						return err
					}
				}
				return o.print(s, printSettings(s))
			}
		}},
		"ca": {help: "print the --tls-auto local CA certificate (PEM) to add to a trust store", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var pemCA string
				if err := c.call("TLSCA", &pemCA); err != nil {
					return err
				}
				if o.json {
					return o.print(map[string]string{"certificate": pemCA}, nil)
				}
				_, err := io.WriteString(o.w, pemCA)
				return err
			}
		}},
	}
}
