package oauth

import (
	"net"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/authcore/ratelimit"
)

// allow takes one token for key from l (authcore/ratelimit: per-key
// buckets, bounded memory, rates SetPolicy may change). A request that
// names no key, such as no claimed client_id, is not counted.
func allow(l *ratelimit.Limiter, key string, now time.Time) (bool, int) {
	if key == "" {
		return true, 0
	}
	return l.Allow(key, now)
}

// remoteIP is the IP of the direct peer. Forwarded headers are not
// trusted here; a proxy-aware server rewrites RemoteAddr before us.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
