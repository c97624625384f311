package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// defaultConfigFile is the configuration `serve` reads when it exists and
// neither --config nor $LATCHKEY_CONFIG names another.
const defaultConfigFile = "/etc/latchkey/latchkey.yaml"

// Where a setting's value came from, by precedence.
const (
	fromFlag    = "flag"
	fromEnv     = "env"
	fromFile    = "file"
	fromDefault = "default"
)

var precedence = map[string]int{fromFlag: 3, fromEnv: 2, fromFile: 1, fromDefault: 0}

// layers is a parsed flag set with the source of each flag's value.
type layers struct {
	fs   *flag.FlagSet
	src  map[string]string // flag name -> fromFlag, fromEnv, fromFile or fromDefault
	via  map[string]string // a secret read from a file: its name -> the *-file flag
	file string            // the configuration file read, "" for none
}

// configFlags are `serve`'s flags about its configuration itself.
type configFlags struct {
	path  string
	print bool
}

func (c *configFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.path, "config", defaultConfigFile, `YAML configuration file, keys are these flags' names (read when it exists unless named; "" for none)`)
	fs.BoolVar(&c.print, "print-config", false, "print the effective configuration, the source of each value and secrets masked, then exit")
}

// newServeFlags is the flag set of `serve`: the server's flags and the
// configuration's own.
func newServeFlags(out io.Writer) (*flag.FlagSet, *serveFlags, *configFlags) {
	var f serveFlags
	var cfg configFlags
	fs := newFlagSet("serve", "Usage: latchkey serve [flags]\n\nRuns the authorization server and the browser console headless.\n"+
		"Precedence: flags > $LATCHKEY_* > the --config file > defaults.", out)
	f.register(fs)
	cfg.register(fs)
	registerSecretFiles(fs) // config_secret.go
	return fs, &f, &cfg
}

// parseLayers parses args and fills every flag not given on the command
// line from its LATCHKEY_* environment variable, then from the YAML file
// the flag configFlag names (none when configFlag is ""), then keeps its
// default: flags > env > file > defaults. Last, each secret's *-file flag
// is read (config_secret.go).
func parseLayers(fset *flag.FlagSet, args []string, configFlag string) (*layers, error) {
	if err := fset.Parse(args); err != nil {
		return nil, err
	}
	l := &layers{fs: fset, src: map[string]string{}, via: map[string]string{}}
	fset.VisitAll(func(f *flag.Flag) { l.src[f.Name] = fromDefault })
	fset.Visit(func(f *flag.Flag) { l.src[f.Name] = fromFlag })
	var err error
	fset.VisitAll(func(f *flag.Flag) {
		if l.src[f.Name] != fromDefault || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := fset.Set(f.Name, v); e != nil {
				err = fmt.Errorf("$%s: %v", envName(f.Name), e)
			}
			l.src[f.Name] = fromEnv
		}
	})
	if err != nil {
		return nil, err
	}
	if configFlag != "" {
		path := fset.Lookup(configFlag).Value.String()
		if _, e := os.Stat(path); l.src[configFlag] == fromDefault && errors.Is(e, fs.ErrNotExist) {
			path = "" // the default file is optional; a named one is not
			_ = fset.Set(configFlag, "")
		}
		if path != "" {
			if err := l.readFile(path, configFlag); err != nil {
				return nil, err
			}
		}
	}
	return l, l.readSecretFiles()
}

// readFile applies the YAML mapping in path to every flag still at its
// default. Unknown keys, keys given twice and values of the wrong shape
// are errors naming the file and line.
func (l *layers) readFile(path, configFlag string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--%s: %w", configFlag, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	l.file = path
	if len(doc.Content) == 0 {
		return nil // an empty file
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: the configuration must be a mapping of flag names to values", path, m.Line)
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		at := fmt.Sprintf("%s:%d", path, k.Line)
		name := k.Value
		f := l.fs.Lookup(name)
		if k.Kind != yaml.ScalarNode || f == nil || name == configFlag || name == "print-config" {
			return fmt.Errorf("%s: unknown key %q%s", at, name, l.hint(name))
		}
		if first, dup := seen[name]; dup {
			return fmt.Errorf("%s: %q is set twice (first on line %d)", at, name, first)
		}
		seen[name] = k.Line
		values, err := nodeValues(v, f)
		if err != nil {
			return fmt.Errorf("%s: %s: %v", at, name, err)
		}
		if l.src[name] != fromDefault {
			continue // a flag or an environment variable wins
		}
		for _, s := range values {
			if err := l.fs.Set(name, s); err != nil {
				return fmt.Errorf("%s: %s: %v", at, name, err)
			}
		}
		l.src[name] = fromFile
	}
	return nil
}

// hint suggests the flag an unknown key probably meant.
func (l *layers) hint(name string) string {
	if alt := strings.ReplaceAll(name, "_", "-"); alt != name && l.fs.Lookup(alt) != nil {
		return fmt.Sprintf(" (keys are the flags' names: %q)", alt)
	}
	return ""
}

// nodeValues are the values a YAML node sets: one scalar, or a sequence of
// scalars for a repeatable flag.
func nodeValues(v *yaml.Node, f *flag.Flag) ([]string, error) {
	switch {
	case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
		return nil, errors.New(`has no value (write "" for an empty one)`)
	case v.Kind == yaml.ScalarNode:
		return []string{v.Value}, nil
	case v.Kind == yaml.SequenceNode:
		if _, ok := f.Value.(*stringList); !ok {
			return nil, errors.New("takes one value, not a list")
		}
		var out []string
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a list of plain values is expected", e.Line)
			}
			out = append(out, e.Value)
		}
		return out, nil
	}
	return nil, errors.New("takes a plain value, not a mapping")
}
