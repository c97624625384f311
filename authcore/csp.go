package authcore

import (
	"net/url"
	"strconv"
	"strings"
)

// CSPSource returns the Content-Security-Policy source expression (CSP
// Level 3 §2.3.1) that allows the origin of the absolute URI raw, for a
// form-action or frame-src directive that must reach a client: the
// scheme, host and port of an http(s) URI; any port of a loopback http
// URI, whose port may vary (RFC 8252 §7.3); the scheme alone of a
// private-use URI (RFC 8252 §7.1). It returns "" for anything that does
// not parse cleanly into a safe source expression, and for the schemes a
// page must never reach (javascript:, data: and their kind).
func CSPSource(raw string) string {
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

// CSPFrameSource returns the source expression that allows exactly the
// http(s) URI raw (its scheme, host, port and path; the query is not part
// of a source) in a frame-src directive, or "" when raw is not an
// absolute http(s) URI whose path is plain enough to sit in a policy
// (letters, digits, "-._~/%"). A path ending in "/" would match a whole
// directory, so such a path is refused too.
func CSPFrameSource(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Opaque != "" || u.User != nil {
		return ""
	}
	host := u.Hostname()
	if host == "" || !safeSource(strings.ToLower(host), "abcdefghijklmnopqrstuvwxyz0123456789.-:") {
		return ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	path := u.EscapedPath()
	if path == "" || strings.HasSuffix(path, "/") ||
		!safeSource(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/%") {
		return ""
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return ""
		}
		host += ":" + p
	}
	return u.Scheme + "://" + host + path
}
