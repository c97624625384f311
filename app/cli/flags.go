package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// envName is a flag's environment twin: --tls-cert -> LATCHKEY_TLS_CERT.
func envName(flagName string) string {
	return "LATCHKEY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns a flag set whose usage lists every flag with its
// environment twin.
func newFlagSet(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "%s\n\nFlags (each also read from its environment variable):\n", synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(out, "  --%-16s %s%s\n  %-18s [$%s]\n", f.Name, f.Usage, def, "", envName(f.Name))
		})
	}
	return fs
}

// parse parses args, then fills every flag not given on the command line
// from its LATCHKEY_* environment variable (parseLayers without a
// configuration file). Command-line flags win.
func parse(fs *flag.FlagSet, args []string) error {
	_, err := parseLayers(fs, args, "")
	return err
}

// defaultDataDir is $XDG_DATA_HOME/latchkey, or ~/.local/share/latchkey.
func defaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "latchkey")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "latchkey")
	}
	return "latchkey-data"
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
