package login

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/authcore"
)

// formOrigins returns CSP source expressions for the origins of c's
// registered redirect URIs, so the redirect that ends a login or consent
// submission is not blocked by form-action. Loopback redirects, whose
// port may vary (RFC 8252 §7.3), are allowed on any port; private-use
// schemes (RFC 8252 §7.1) by scheme. Anything that does not parse cleanly
// into a safe source expression is left out.
func formOrigins(c authcore.Client) []string {
	var out []string
	for _, raw := range c.RedirectURIs {
		if src := sourceFor(raw); src != "" && !slices.Contains(out, src) {
			out = append(out, src)
		}
	}
	return out
}

func sourceFor(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !safeSource(u.Scheme, "abcdefghijklmnopqrstuvwxyz0123456789+.-") || u.Scheme == "" {
		return ""
	}
	switch u.Scheme {
	case "http", "https":
	case "javascript", "data", "vbscript", "file", "blob", "filesystem", "about":
		return ""
	default:
		return u.Scheme + ":"
	}
	host := u.Hostname()
	if host == "" || !safeSource(strings.ToLower(host), "abcdefghijklmnopqrstuvwxyz0123456789.-:") {
		return ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	switch {
	case u.Scheme == "http" && (host == "127.0.0.1" || host == "[::1]" || host == "localhost"):
		return "http://" + host + ":*"
	case u.Port() != "":
		if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
			return ""
		}
		return u.Scheme + "://" + host + ":" + u.Port()
	default:
		return u.Scheme + "://" + host
	}
}

// safeSource reports whether s holds only characters from allowed.
func safeSource(s, allowed string) bool {
	for _, c := range s {
		if !strings.ContainsRune(allowed, c) {
			return false
		}
	}
	return true
}
