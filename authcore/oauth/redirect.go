package oauth

import (
	"errors"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/authcore"
)

// Registry validation errors. Callers (the console, the CLI, dynamic
// registration) branch on them with errors.Is; RFC 7591 §3.2.2 maps them
// to invalid_redirect_uri and invalid_client_metadata.
var (
	ErrInvalidRedirectURI    = errors.New("oauth: invalid redirect URI")
	ErrInvalidClientMetadata = errors.New("oauth: invalid client metadata")
)

// loopbackPrefixes are the registered redirect prefixes whose port may
// vary (RFC 8252 §7.3, OAuth 2.1 §8.4.2). localhost is not among them.
var loopbackPrefixes = []string{"http://127.0.0.1", "http://[::1]"}

// matchRedirect reports whether got is one of the registered URIs: a
// simple string comparison (RFC 3986 §6.2.1, OAuth 2.1 §4.1.1), except
// that a registered loopback redirect accepts any port, with host, path
// and query unchanged byte for byte.
func matchRedirect(registered []string, got string) bool {
	for _, reg := range registered {
		if reg == got || loopbackMatch(reg, got) {
			return true
		}
	}
	return false
}

// loopbackMatch compares after removing the port from both URIs, when
// reg is a loopback http URI.
func loopbackMatch(reg, got string) bool {
	for _, pre := range loopbackPrefixes {
		if !strings.HasPrefix(reg, pre) || !strings.HasPrefix(got, pre) {
			continue
		}
		rr, ok1 := stripPort(reg[len(pre):])
		gr, ok2 := stripPort(got[len(pre):])
		return ok1 && ok2 && rr == gr && (rr == "" || rr[0] == '/' || rr[0] == '?')
	}
	return false
}

// stripPort removes an optional ":digits" (1-5 of them) from the front of
// rest, the part of a URI after its host.
func stripPort(rest string) (string, bool) {
	if rest == "" || rest[0] != ':' {
		return rest, true
	}
	i := 1
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 1 || i > 6 {
		return "", false
	}
	return rest[i:], true
}

// validateRedirectURI applies the registration rules of OAuth 2.1 §2.3.1
// and RFC 8252 §7: absolute, no fragment, no wildcard, no userinfo; https,
// loopback http (127.0.0.1 or [::1]) or a private-use scheme containing a
// dot; never javascript:, data:, file: or other dangerous schemes.
func validateRedirectURI(raw string) error {
	bad := func(why string) error {
		return authcore.Invalid(ErrInvalidRedirectURI, "redirect URI %q: %s", raw, why)
	}
	if raw == "" || len(raw) > 2000 {
		return bad("empty or too long")
	}
	for _, c := range []byte(raw) {
		if c <= 0x20 || c >= 0x7f || c == '\\' {
			return bad("contains whitespace, control, backslash or non-ASCII characters")
		}
	}
	if strings.Contains(raw, "#") {
		return bad("contains a fragment")
	}
	if strings.Contains(raw, "*") {
		return bad("contains a wildcard")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return bad("not an absolute URI")
	}
	if u.User != nil {
		return bad("contains userinfo")
	}
	scheme := strings.ToLower(u.Scheme)
	if !strings.HasPrefix(raw, scheme+":") {
		return bad("scheme must be lower case")
	}
	switch scheme {
	case "javascript", "data", "file", "vbscript", "blob", "about", "ftp", "ws", "wss":
		return bad("scheme not allowed")
	case "https":
		if u.Host == "" || u.Opaque != "" {
			return bad("https URI without host")
		}
		return nil
	case "http":
		if u.Host == "" || !isLoopbackRegistration(raw) {
			return bad("http is allowed only for 127.0.0.1 or [::1]")
		}
		return nil
	}
	if !strings.Contains(scheme, ".") {
		return bad("private-use scheme must contain a dot (reverse domain name)")
	}
	return nil
}

// isLoopbackRegistration reports whether raw is an http loopback URI with
// a literal IP host followed by an optional port and a path.
func isLoopbackRegistration(raw string) bool {
	for _, pre := range loopbackPrefixes {
		if strings.HasPrefix(raw, pre) {
			rest, ok := stripPort(raw[len(pre):])
			return ok && (rest == "" || rest[0] == '/' || rest[0] == '?')
		}
	}
	return false
}
