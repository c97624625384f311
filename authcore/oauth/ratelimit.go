package oauth

import (
	"net/http"
	"time"

	"github.com/latchkey/latchkey/authcore"
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

// remoteIP is the client address of r: the one the server middleware
// derived behind a trusted proxy (authcore.ClientIP), else the direct peer.
// Forwarded headers are never read here.
func remoteIP(r *http.Request) string { return authcore.ClientIP(r) }
