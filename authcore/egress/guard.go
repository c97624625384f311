package egress

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrBlocked is the dial error for a refused address.
var ErrBlocked = errors.New("egress: address is loopback, private, link-local, unspecified or this machine's own")

// DefaultTimeout bounds one outbound request, connection to last byte,
// when NewClient is given none.
const DefaultTimeout = 5 * time.Second

// special are ranges Blocked refuses beyond the netip predicates: "this
// network" (RFC 791), carrier-grade NAT shared space (RFC 6598), the
// IETF protocol assignments (RFC 6890), benchmarking (RFC 2544) and the
// limited broadcast address.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"), // reserved (RFC 1112), with the limited broadcast
	// IPv6 forms that lead to an IPv4 or local network: IPv4-compatible
	// (deprecated, RFC 4291 §2.5.5.1), site-local (deprecated, RFC 3879)
	// and local-use NAT64 (RFC 8215).
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("fec0::/10"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// sixToFour is the 6to4 prefix (RFC 3056): bits 16-47 are an IPv4 address.
var sixToFour = netip.MustParsePrefix("2002::/16")

// nat64 is the well-known NAT64 prefix (RFC 6052): its addresses reach
// the IPv4 address in their last 32 bits.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Blocked reports whether ip is an address outbound requests must not
// reach unless private targets are allowed: loopback, private (RFC 1918,
// RFC 4193), link-local, multicast, unspecified, and the special ranges
// above; IPv4-mapped and NAT64 IPv6 addresses are judged by their IPv4
// address, 6to4 ones by the IPv4 address they embed. An invalid address
// is blocked.
func Blocked(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if sixToFour.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range special {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Guard decides, at dial time, which addresses outbound connections may
// reach. The zero value refuses Blocked addresses and every address of
// the machine's own interfaces; it is safe for concurrent use, and
// SetAllowPrivate takes effect on the next dial.
type Guard struct {
	allowPrivate atomic.Bool

	// InterfaceAddrs lists the machine's own addresses, read on every
	// dial; nil means net.InterfaceAddrs (tests inject a list). Set it
	// before the first dial.
	InterfaceAddrs func() ([]net.Addr, error)
}

// SetAllowPrivate lets connections reach Blocked addresses (allow) or
// refuses them again.
func (g *Guard) SetAllowPrivate(allow bool) { g.allowPrivate.Store(allow) }

// AllowPrivate reports the current setting.
func (g *Guard) AllowPrivate() bool { return g.allowPrivate.Load() }

// Control is a net.Dialer Control function: it runs after name
// resolution with the address about to be connected to, and refuses a
// Blocked one, or one of the machine's own addresses, unless private
// targets are allowed.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	if g.allowPrivate.Load() {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrBlocked, address)
	}
	if Blocked(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrBlocked, ap.Addr())
	}
	return g.checkOwn(ap.Addr())
}

// NewClient returns an HTTP client whose every connection passes g: no
// proxy (a proxy would dial for it), no kept-alive connections (each
// request dials, so a changed setting applies at once), no redirects
// (the first response is returned as it is), timeout bounding the whole request (DefaultTimeout
// when zero) and shorter bounds on connecting, the TLS handshake and the
// response headers.
func (g *Guard) NewClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	d := &net.Dialer{Timeout: timeout, Control: g.Control}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		DisableKeepAlives:      true,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// IsBlocked reports whether err comes from a connection the guard
// refused.
func IsBlocked(err error) bool { return errors.Is(err, ErrBlocked) }
