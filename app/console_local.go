package app

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Locality decides which requests come from this machine, for every path
// that trusts loopback: /metrics, the first-run screen and the CLI's admin
// token. A reverse proxy on the same host makes every visitor look like
// loopback, so when the issuer is not a loopback URL (the server is meant
// to be reached through a name, hence usually a proxy), a request that
// carries any proxy header (Forwarded, X-Forwarded-*, X-Real-IP, Via) is
// remote; and a request from a trusted proxy's address is always remote.
// The zero value is not usable; create one with NewLocality.
type Locality struct {
	loopbackIssuer bool
	proxies        []netip.Prefix
}

// NewLocality returns the Locality of a server whose issuer is issuer,
// behind the given trusted proxies (none: nil).
func NewLocality(issuer string, trustedProxies []netip.Prefix) *Locality {
	return &Locality{loopbackIssuer: LoopbackURL(issuer), proxies: trustedProxies}
}

// ParseTrustedProxies reads a comma-separated list of CIDR prefixes or
// single addresses ("10.0.0.0/8, 127.0.0.1"); "" is none.
func ParseTrustedProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("app: trusted proxy %q is neither a CIDR prefix nor an address", f)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// LoopbackURL reports whether u is an http(s) URL whose host is a
// loopback address or localhost.
func LoopbackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") {
		return false
	}
	h := strings.ToLower(p.Hostname())
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// Local reports whether r came straight from a process on this machine.
func (l *Locality) Local(r *http.Request) bool {
	peer, ok := peerAddr(r.RemoteAddr)
	switch {
	case !ok || !peer.IsLoopback(), l.trusted(peer):
		return false
	case !l.loopbackIssuer && proxied(r.Header):
		return false
	}
	return true
}

// FirstRun reports whether r may open the first-run screen: only on a
// server whose issuer is a loopback URL, from this machine. Elsewhere the
// first administrator is created with the CLI on the host.
func (l *Locality) FirstRun(r *http.Request) bool { return l.loopbackIssuer && l.Local(r) }

// SecureHop reports whether the last hop of r cannot be read on the
// network: TLS, a loopback peer, or a trusted proxy (the operator vouches
// for that link). Access tokens are accepted only over such a hop.
func (l *Locality) SecureHop(r *http.Request) bool {
	peer, ok := peerAddr(r.RemoteAddr)
	return r.TLS != nil || (ok && (peer.IsLoopback() || l.trusted(peer)))
}

func (l *Locality) trusted(a netip.Addr) bool {
	for _, p := range l.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// proxyHeaders are headers a reverse proxy adds (RFC 7239, the de facto
// X-Forwarded-* family, X-Real-IP, RFC 9110 §7.6.3 Via).
var proxyHeaders = []string{"Forwarded", "X-Real-Ip", "Via"}

func proxied(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(k, "X-Forwarded-") {
			return true
		}
	}
	for _, k := range proxyHeaders {
		if _, ok := h[k]; ok {
			return true
		}
	}
	return false
}

// peerAddr is the IP of a RemoteAddr ("ip:port" or a bare ip), with an
// IPv4-mapped IPv6 address unmapped.
func peerAddr(remote string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(remote)
	return a.Unmap(), err == nil
}
