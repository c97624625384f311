package gateway

import (
	"net/http"
	"strings"
)

// spoofable are request headers that upstream frameworks and proxies read
// as facts about the client or the original request: its address
// (X-Real-IP, True-Client-IP, ...), the URL or method it "really" asked
// for (X-Original-URL, X-Rewrite-URL, X-HTTP-Method-Override, ...) or the
// RFC 7239 Forwarded list. The gateway is the edge of the upstream's
// trust: a client must not be able to state them, so they are removed
// before the request goes on. X-Forwarded-* are removed too (every one,
// not only the three ReverseProxy drops) and the gateway sets
// X-Forwarded-For, -Host and -Proto itself. The upstream can trust only
// the headers listed in the README ("What an upstream can trust").
var spoofable = []string{
	"Forwarded",
	"X-Real-IP", "True-Client-IP", "X-Client-IP", "Client-IP", "X-Cluster-Client-IP",
	"X-Original-Forwarded-For", "X-Originating-IP", "X-Remote-IP", "X-Remote-Addr",
	"X-ProxyUser-IP", "CF-Connecting-IP", "Fastly-Client-IP", "X-Envoy-External-Address",
	"X-Original-URL", "X-Rewrite-URL", "X-Original-URI", "X-Original-Host", "X-Host",
	"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
	"X-Url-Scheme", "Front-End-Https",
}

// spoofableKeys are the spoofable headers in canonical form, the form
// net/http gives the keys of a request it parsed.
var spoofableKeys = func() map[string]bool {
	m := make(map[string]bool, len(spoofable))
	for _, k := range spoofable {
		m[http.CanonicalHeaderKey(k)] = true
	}
	return m
}()

// stripSpoofableHeaders removes the spoofable headers and every
// X-Forwarded-* header a client sent, in one pass over the request's
// keys (a key in any case: Header.Del would reach only the canonical one).
func stripSpoofableHeaders(h http.Header) {
	for k := range h {
		if spoofableKeys[http.CanonicalHeaderKey(k)] || len(k) >= 12 && strings.EqualFold(k[:12], "X-Forwarded-") {
			delete(h, k)
		}
	}
}
