package cli

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/authcore/store/postgres"
)

// secretFiles are the secret-bearing settings of serve whose value may
// come from a file instead (a systemd credential, a mounted secret), so it
// sits neither in the configuration file nor in the environment: NAME is
// read from NAME-file. --encryption-key-file (store.go) reads its key
// itself, with its own permission check.
var secretFiles = []struct{ name, usage string }{
	{"store", "read --store (a postgres:// URL with its password) from this file (one trailing newline dropped)"},
}

// registerSecretFiles registers the NAME-file flag of every secretFiles.
func registerSecretFiles(fs *flag.FlagSet) {
	for _, s := range secretFiles {
		fs.String(s.name+"-file", "", s.usage)
	}
}

// readSecretFiles reads every secret whose NAME-file flag is set. The
// precedence of where each was set decides between a secret and its file;
// both at the same level is an error.
func (l *layers) readSecretFiles() error {
	var err error
	l.fs.VisitAll(func(f *flag.Flag) {
		name, ok := strings.CutSuffix(f.Name, "-file")
		if !ok || err != nil || f.Value.String() == "" || l.fs.Lookup(name) == nil {
			return
		}
		fileSrc, nameSrc := l.src[f.Name], l.src[name]
		switch {
		case precedence[nameSrc] > precedence[fileSrc]:
			return
		case nameSrc == fileSrc:
			err = fmt.Errorf("--%s and --%s are both set (%s): keep one", name, f.Name, fileSrc)
			return
		}
		raw, e := os.ReadFile(f.Value.String())
		if e != nil {
			err = fmt.Errorf("--%s: %w", f.Name, e)
			return
		}
		v := strings.TrimSuffix(strings.TrimSuffix(string(raw), "\n"), "\r")
		if e := l.fs.Set(name, v); e != nil {
			err = fmt.Errorf("--%s: %v", f.Name, e)
			return
		}
		l.src[name], l.via[name] = fileSrc, f.Name
	})
	return err
}

// notSecret are flags whose names look secret but that hold a path.
var notSecret = map[string]bool{"tls-key": true}

// isSecret reports whether a flag's value is a secret by its name.
func isSecret(name string) bool {
	if notSecret[name] {
		return false
	}
	for _, s := range []string{"-key", "-token", "-secret", "-password", "-passphrase"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// dsnPassword finds a password in a key=value connection string.
var dsnPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|\S+)`)

// mask hides a secret value: a secret flag's whole value, the password
// of a URL and the password of a key=value connection string.
func mask(name, v string) string {
	if v == "" {
		return v
	}
	if isSecret(name) {
		return "********"
	}
	if postgres.IsDSN(v) {
		return postgres.MaskDSN(v)
	}
	if u, err := url.Parse(v); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return u.Redacted()
		}
	}
	return dsnPassword.ReplaceAllString(v, "${1}********")
}

// print writes the effective configuration as YAML that the configuration
// file accepts, each value with its source and every secret masked.
func (l *layers) print(w io.Writer, skip ...string) error {
	file := l.file
	if file == "" {
		file = "none"
	}
	fmt.Fprintf(w, "# effective configuration; config file: %s\n# precedence: flag > env (LATCHKEY_*) > file > default\n", file)
	var err error
	l.fs.VisitAll(func(f *flag.Flag) {
		for _, s := range skip {
			if f.Name == s {
				return
			}
		}
		src := l.src[f.Name]
		if via := l.via[f.Name]; via != "" {
			src += ", read from " + via
		}
		_, e := fmt.Fprintf(w, "%s: %s # %s\n", f.Name, strconv.Quote(mask(f.Name, f.Value.String())), src)
		if err == nil {
			err = e
		}
	})
	return err
}
