package login

import (
	"net/netip"

	"github.com/latchkey/latchkey/authcore/ratelimit"
)

// maxLimiterKeys bounds login's per-IP maps (device_guard.go) as the
// login limiter's memory is bounded.
const maxLimiterKeys = ratelimit.MaxKeys

// limitKey is the bucket of a remote IP in the login limiter
// (authcore/ratelimit): the address itself for IPv4, its /64 for IPv6,
// since one host usually holds a whole /64.
func limitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
