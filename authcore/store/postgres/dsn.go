package postgres

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// IsDSN reports whether s names a PostgreSQL database rather than a
// directory: a postgres:// or postgresql:// URL.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// kvPassword matches password=... in a key=value DSN, quoted or not.
var kvPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// MaskDSN returns dsn with its password (in the user info, a password
// query parameter, or a key=value pair) replaced by "xxxxx", for logs,
// --help defaults and the console. A string it cannot parse is masked
// whole except its scheme.
func MaskDSN(dsn string) string {
	if !IsDSN(dsn) {
		return kvPassword.ReplaceAllString(dsn, "${1}xxxxx")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return strings.SplitN(dsn, "://", 2)[0] + "://(unparsable, hidden)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q.Set(k, "xxxxx")
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// dsnPassword returns the password in dsn, or "".
func dsnPassword(dsn string) string {
	if IsDSN(dsn) {
		if u, err := url.Parse(dsn); err == nil {
			if u.User != nil {
				if p, ok := u.User.Password(); ok {
					return p
				}
			}
			for k, v := range u.Query() {
				if strings.EqualFold(k, "password") && len(v) > 0 {
					return v[0]
				}
			}
		}
		return ""
	}
	if m := kvPassword.FindStringSubmatch(dsn); m != nil {
		return strings.Trim(m[2], "'")
	}
	return ""
}

// scrub returns err with the DSN's password removed from its text: pgx
// connection errors may quote the connection string.
func scrub(err error, dsn string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if pw := dsnPassword(dsn); pw != "" && strings.Contains(msg, pw) {
		return errors.New(strings.ReplaceAll(msg, pw, "xxxxx"))
	}
	return err
}
