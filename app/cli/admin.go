package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// adminCmd is one admin subcommand: `latchkey <group> <name>`.
type adminCmd struct {
	args  string // positional arguments, for usage
	help  string
	flags func(fs *flag.FlagSet) func(c caller, pos []string, out *output) error
}

// output prints a result as JSON (--json) or as text.
type output struct {
	w    io.Writer
	json bool
	in   io.Reader
}

func (o *output) print(v any, text func(w io.Writer)) error {
	if o.json {
		enc := json.NewEncoder(o.w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(o.w, 0, 4, 2, ' ', 0)
	text(tw)
	return tw.Flush()
}

// adminGroups lists every admin subcommand, by group.
func adminGroups() map[string]map[string]adminCmd {
	return map[string]map[string]adminCmd{
		"client":      clientCommands(),
		"user":        userCommands(),
		"scope":       scopeCommands(),
		"key":         keyCommands(),
		"audit":       auditCommands(),
		"route":       routeCommands(),
		"idp":         idpCommands(),
		"settings":    settingsCommands(),
		"token":       tokenCommands(),
		"detail-type": detailTypeCommands(), // admin_detailtype.go
	}
}

func runAdmin(group string, args []string, env Env) error {
	cmds := adminGroups()[group]
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, groupUsage(group, cmds))
		return nil
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "latchkey %s: unknown command %q\n\n%s", group, args[0], groupUsage(group, cmds))
		return errUsage
	}
	var c common
	out := &output{w: env.Stdout, in: env.Stdin}
	fs := newFlagSet(group+" "+args[0],
		fmt.Sprintf("Usage: latchkey %s %s %s[flags]\n\n%s", group, args[0], cmd.args, cmd.help), env.Stderr)
	c.register(fs)
	fs.BoolVar(&out.json, "json", false, "print JSON for scripts")
	runFn := cmd.flags(fs)
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	want := len(strings.Fields(cmd.args))
	if len(pos) != want {
		fs.Usage()
		return errUsage
	}
	cl, err := connect(&c)
	if err != nil {
		return err
	}
	defer cl.close()
	return runFn(cl, pos, out)
}

// parseInterspersed accepts flags before and after positional arguments
// (`client show ID --json`).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func groupUsage(group string, cmds map[string]adminCmd) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: latchkey %s <command> [flags]\n\nCommands:\n", group)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sortStrings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-14s %s\n", n, cmds[n].help)
	}
	fmt.Fprintf(&b, "\nEvery command takes --data DIR and --json; `latchkey %s <command> --help` lists its flags.\n", group)
	return b.String()
}

// readSecretLine reads one line (a password) from r, without its newline.
func readSecretLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}
