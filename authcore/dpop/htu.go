package dpop

import (
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/authcore/jws"
)

// NormalizeHTU normalises an http(s) URL for the htu comparison (RFC 9449
// §4.3 step 9; RFC 3986 §6.2.2, §6.2.3): lower-case scheme and host,
// default port removed, empty path as "/", percent-encoding in upper-case
// hex with unreserved characters decoded, dot segments removed; query and
// fragment dropped. ok is false for anything but an absolute http(s) URL.
func NormalizeHTU(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return scheme + "://" + host + removeDotSegments(normalizePercent(p)), true
}

func isUnreserved(c byte) bool { return jws.IsB64URL(c) || c == '.' || c == '~' }

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func normalizePercent(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			hi, ok1 := unhex(p[i+1])
			lo, ok2 := unhex(p[i+2])
			if ok1 && ok2 {
				if c := hi<<4 | lo; isUnreserved(c) {
					b.WriteByte(c)
				} else {
					b.WriteByte('%')
					b.WriteByte(hexdig[hi])
					b.WriteByte(hexdig[lo])
				}
				i += 2
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// removeDotSegments is RFC 3986 §5.2.4 for an absolute path.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	out := []string{""}
	for i, s := range segs[1:] {
		last := i == len(segs)-2
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	if len(out) == 1 {
		return "/"
	}
	return strings.Join(out, "/")
}
