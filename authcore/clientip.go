package authcore

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIPKey is the context key of the client address the server
// middleware derived (WithClientIP).
type clientIPKey struct{}

// WithClientIP returns ctx carrying ip as the address of the request's
// client, for ClientIP.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP is the address every per-address limit and audit event keys on:
// the one the server middleware derived with DeriveClientIP (the real
// client behind a trusted proxy), or else the direct peer.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok && ip != "" {
		return ip
	}
	return peerHost(r.RemoteAddr)
}

// DeriveClientIP is the address of the client that sent r. A peer that is
// not a trusted proxy is the client: its X-Forwarded-For and Forwarded
// headers are never believed. From a trusted proxy, the client is the
// right-most entry of X-Forwarded-For (or of Forwarded's for= list when
// there is no X-Forwarded-For) that is not itself a trusted proxy; entries
// further left were written by whoever the proxy served and may be forged.
// When both headers are present and name different clients (one of them
// came from the client), or an entry cannot be read, the nearest trusted
// hop stands for the client: such requests share one bucket rather than
// dodging limits or taking a victim's.
func DeriveClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, err := netip.ParseAddr(peerHost(r.RemoteAddr))
	if err != nil || !inPrefixes(peer.Unmap(), trusted) {
		return peerHost(r.RemoteAddr)
	}
	peer = peer.Unmap()
	xff := splitList(r.Header.Values("X-Forwarded-For"), forwardedForValue)
	fwd := splitList(r.Header.Values("Forwarded"), forwardedParam)
	switch {
	case xff == nil && fwd == nil:
		return peer.String()
	case xff == nil:
		return rightmostUntrusted(fwd, peer, trusted).String()
	case fwd == nil:
		return rightmostUntrusted(xff, peer, trusted).String()
	}
	a, b := rightmostUntrusted(xff, peer, trusted), rightmostUntrusted(fwd, peer, trusted)
	if a != b {
		return peer.String()
	}
	return a.String()
}

// rightmostUntrusted walks hops from the right: the first that is not a
// trusted proxy is the client; an unreadable hop stops the walk at the
// last trusted one.
func rightmostUntrusted(hops []string, last netip.Addr, trusted []netip.Prefix) netip.Addr {
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return last
		}
		a = a.Unmap()
		if !inPrefixes(a, trusted) {
			return a
		}
		last = a
	}
	return last
}

// splitList splits comma-separated header values into hops, each read by
// value; nil when there is none.
func splitList(values []string, value func(string) string) []string {
	var out []string
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			out = append(out, value(strings.TrimSpace(e)))
		}
	}
	return out
}

// forwardedForValue is one X-Forwarded-For entry as an address ("ip",
// "ip:port" or "[v6]:port").
func forwardedForValue(e string) string { return stripPort(e) }

// forwardedParam is the for= node of one RFC 7239 Forwarded element, as
// an address; "" (unreadable) when it has none or an obfuscated one.
func forwardedParam(e string) string {
	for _, p := range strings.Split(e, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(k, "for") {
			return stripPort(strings.Trim(v, `"`))
		}
	}
	return ""
}

// stripPort removes a port and IPv6 brackets from a node.
func stripPort(n string) string {
	if h, _, err := net.SplitHostPort(n); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(n, "["), "]")
}

// peerHost is RemoteAddr without its port.
func peerHost(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
