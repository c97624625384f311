package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/app"
)

// Env is what main hands the command line: the built console and the
// function that opens the desktop window (it returns when the window
// closes; nil in the server build, which has no window).
type Env struct {
	Console fs.FS
	Desktop func(a *app.App, console fs.FS) error
	Stdout  io.Writer // default os.Stdout
	Stderr  io.Writer // default os.Stderr
	Stdin   io.Reader // default os.Stdin
}

// common are the flags every subcommand takes.
type common struct {
	storeFlags
	data      string
	logFormat string
	logLevel  string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", defaultDataDir(), "data directory (store, keys, TLS files)")
	fs.StringVar(&c.logFormat, "log-format", "auto", "log format: auto (human on a terminal, else JSON), json or console")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	c.registerStore(fs)
}

func (c *common) logger() (zerolog.Logger, error) {
	return newLogger(os.Stderr, c.logFormat, c.logLevel)
}

// ensureDataDir creates the data directory with owner-only permissions.
func (c *common) ensureDataDir() (string, error) {
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	return c.data, nil
}

const usage = `Latchkey: an OAuth 2.1 and OpenID Connect authorization server with a desktop console.

Usage:
  latchkey [flags]                 open the desktop console (starts the server too)
  latchkey serve [flags]           run headless; the console is at <issuer>/console/
  latchkey client <command>        manage OAuth clients (create, list, show, update, delete, rotate-secret)
  latchkey user <command>          manage users (create, list, disable, enable, set-password)
  latchkey scope <command>         manage scopes (create, list)
  latchkey detail-type <command>   RFC 9396 authorization_details types (create, list, update, delete)
  latchkey key <command>           manage signing keys (list, rotate, revoke)
  latchkey token <command>         grants and their tokens, as on the Tokens screen (list, show, revoke)
  latchkey audit <command>         read the audit log (query, tail, export, verify)
  latchkey route <command>         gateway routes of the embedded gateway (add, list, update, remove, feed-token)
  latchkey idp <command>           trusted external OpenID providers (add, list, show, update, remove, test)
  latchkey settings <command>      live settings: token lifetimes, rate limits, lockout, audit retention (show, set, reset, ca)
  latchkey gateway --config FILE   run a standalone gateway in front of any API and any OIDC issuer
  latchkey flow run [flags]        run an OAuth/OIDC flow step by step against any issuer, with its trace
  latchkey migrate status|up       show or apply the schema migrations of a --store postgres:// database
  latchkey store copy --from DIR --to postgres://...   move a single-node installation to PostgreSQL
  latchkey store check             report what the store and audit log hold that can be read, and damaged files
  latchkey backup --to FILE        a consistent, encrypted backup of the store and audit log, while the server runs
  latchkey restore --from FILE --data DIR   restore a backup into an empty DIR (or --store database) and verify it
  latchkey version [--json]        print the version, commit, Go version and build flavour

Every subcommand takes --data DIR (default $XDG_DATA_HOME/latchkey) and --help.
--store postgres://... keeps records in a PostgreSQL database several nodes share
(the audit log stays in the data directory); without it they live in DIR/store.
Every flag has an environment twin: --tls-cert is $LATCHKEY_TLS_CERT.
serve also reads a YAML file (--config, default /etc/latchkey/latchkey.yaml);
latchkey serve --print-config shows what it would run with.
`

// Main runs the command line and returns the process exit code.
func Main(args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	err := run(args, env)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(env.Stderr, "latchkey:", err)
	return 1
}

// errUsage marks a usage error already explained to the user.
var errUsage = errors.New("usage")

func run(args []string, env Env) error {
	if len(args) == 0 || (len(args[0]) > 0 && args[0][0] == '-' && args[0] != "-h" && args[0] != "--help") {
		return runDesktop(args, env)
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, usageFor(env))
		return nil
	case "version", "--version":
		return runVersion(args[1:], env)
	case "desktop":
		return runDesktop(args[1:], env)
	case "serve":
		return runServe(args[1:], env)
	case "gateway":
		return runGateway(args[1:], env)
	case "flow":
		return runFlow(args[1:], env)
	case "migrate":
		return runMigrate(args[1:], env)
	case "store":
		return runStore(args[1:], env)
	case "backup":
		return runBackup(args[1:], env)
	case "restore":
		return runRestore(args[1:], env)
	case "client", "user", "scope", "key", "token", "audit", "route", "idp", "settings", "detail-type":
		return runAdmin(args[0], args[1:], env)
	}
	fmt.Fprintf(env.Stderr, "latchkey: unknown command %q\n\n%s", args[0], usageFor(env))
	return errUsage
}

func runServe(args []string, env Env) error {
	fs, f, cfg := newServeFlags(env.Stderr) // config.go
	l, err := parseLayers(fs, args, "config")
	if err != nil {
		return err
	}
	if cfg.print {
		return l.print(env.Stdout, "config", "print-config")
	}
	// Catch the signals before listening: a SIGTERM the moment the port
	// answers (a service manager, a test) must stop it gracefully too.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	in, err := start(f, env.Console, "serve")
	if err != nil {
		return err
	}
	if err := sdNotify("READY=1\nSTATUS=listening on " + in.issuer); err != nil { // sdnotify.go
		in.log.Warn().Err(err).Msg("could not tell systemd the server is ready ($NOTIFY_SOCKET)")
	}
	select {
	case s := <-sig:
		in.log.Info().Str("signal", s.String()).Msg("shutting down")
	case err = <-in.done:
	}
	_ = sdNotify("STOPPING=1")
	return errors.Join(err, in.stop())
}

func runDesktop(args []string, env Env) error {
	if env.Desktop == nil {
		return errNoDesktop
	}
	var f serveFlags
	fs := newFlagSet("latchkey", "Usage: latchkey [flags]\n\nOpens the desktop console with its embedded server.", env.Stderr)
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display found: the desktop console needs a graphical session.\nRun the server headless with `latchkey serve` (or `make serve`) and open its /console/ in a browser")
	}
	in, err := start(&f, env.Console, "desktop")
	if err != nil {
		return err
	}
	err = env.Desktop(in.app, env.Console)
	return errors.Join(err, in.stop())
}
