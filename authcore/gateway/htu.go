package gateway

import (
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/authcore/dpop"
)

// normalizeHTU normalises an http(s) URL for the DPoP htu comparison
// (RFC 9449 §4.3 step 9): dpop.NormalizeHTU.
func normalizeHTU(raw string) (string, bool) { return dpop.NormalizeHTU(raw) }

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
