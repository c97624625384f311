package gateway

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// normalizeHTU normalises an http(s) URL for the DPoP htu comparison (RFC
// 9449 §4.3 step 9, RFC 3986 §6.2.2 and §6.2.3): lower-case scheme and
// host, default port removed, empty path as "/", percent-encoding in
// upper-case hex with unreserved characters decoded, dot segments
// removed; query and fragment dropped.
func normalizeHTU(raw string) (string, bool) {
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

// requestHTU is the normalised URL of r as the client addressed it:
// publicBase (scheme://host[:port]) when the gateway sits behind a TLS
// terminator, else the scheme of the connection and the Host header.
func requestHTU(r *http.Request, publicBase string) (string, bool) {
	base := publicBase
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return normalizeHTU(strings.TrimSuffix(base, "/") + r.URL.EscapedPath())
}

func isUnreserved(c byte) bool {
	return isB64URL(c) || c == '.' || c == '~'
}

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
				c := hi<<4 | lo
				if isUnreserved(c) {
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

// certThumbprint is the base64url SHA-256 of the request's TLS client
// certificate (RFC 8705 §3.1), or "" without one.
func certThumbprint(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
