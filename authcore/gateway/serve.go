package gateway

import (
	"net/http"
	"path"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// ServeHTTP implements http.Handler: match, preflight, limit, verify,
// enforce, proxy. See the package documentation for the order.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	stripIdentityHeaders(r.Header)
	stripSpoofableHeaders(r.Header)
	if p := r.URL.Path; p == WellKnownResource || strings.HasPrefix(p, WellKnownResource+"/") {
		g.serveResourceMetadata(w, r) // RFC 9728, resourcemeta.go
		return
	}
	t := g.table.Load()
	rt := t.match(r)
	if rt == nil {
		plainDenial(http.StatusNotFound, CodeNotFound, "no_route", "no API is served at this path").write(w, "")
		return
	}
	if rt.cors != nil {
		if isPreflight(r) {
			rt.cors.preflight(w, r)
			return
		}
		rt.cors.decorate(w.Header(), r)
	}
	req := &request{r: r, rt: rt, ip: remoteIP(r)}
	id, d := g.authorize(w, req)
	if d != nil {
		g.deny(w, req, id, d)
		return
	}
	rt.stats.allowed.Add(1)
	g.metrics.Allowed(rt.name)
	g.forward(w, r, rt, id)
}

// request is one request's facts gathered on the way.
type request struct {
	r    *http.Request
	rt   *route
	ip   string
	dpop bool // the DPoP scheme was used (RFC 9449 §7.1)
}

// authorize runs every check; id may be non-nil alongside a denial (for
// the audit record) and is only trusted when the denial is nil.
func (g *Gateway) authorize(w http.ResponseWriter, q *request) (*Identity, *denial) {
	r, rt := q.r, q.rt
	if rt.methods != nil && !rt.methods[r.Method] {
		w.Header().Set("Allow", rt.allow)
		return nil, plainDenial(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "method_not_allowed",
			"this API does not accept the "+r.Method+" method")
	}
	if p := r.URL.Path; p == "" || p[0] != '/' || path.Clean(p) != strings.TrimSuffix(p, "/") && p != "/" {
		return nil, requestDenial("unclean_path", "the request path has empty, . or .. segments")
	}
	if rt.ipLim != nil {
		if d := g.limit(w, rt.ipLim, q.ip); d != nil {
			return nil, d
		}
	}
	if r.ContentLength > rt.maxBody {
		return nil, plainDenial(http.StatusRequestEntityTooLarge, CodeTooLarge, "body_too_large",
			"the request body is larger than this API accepts")
	}
	r.Body = http.MaxBytesReader(w, r.Body, rt.maxBody)
	tok, d := g.credentials(q)
	if d != nil {
		return nil, d
	}
	id, d := g.identify(q, tok)
	if d != nil {
		return id, d
	}
	if d := g.enforce(w, q, id); d != nil {
		return id, d
	}
	return id, nil
}

// limit takes one token from key's bucket and sets the RateLimit headers.
func (g *Gateway) limit(w http.ResponseWriter, s *limiterSet, key string) *denial {
	v := s.take(key, g.now())
	s.setHeaders(w.Header(), v)
	if v.ok {
		return nil
	}
	d := plainDenial(http.StatusTooManyRequests, CodeRateLimited, "rate_limited",
		"too many requests; wait for the time in Retry-After")
	d.retryAfter = v.retryAfter
	return d
}

// deny records and answers a denial.
func (g *Gateway) deny(w http.ResponseWriter, q *request, id *Identity, d *denial) {
	if q.dpop && d.code != "" && d.challenge {
		d.dpop = true
	}
	q.rt.stats.deny(d.reason)
	g.metrics.Denied(q.rt.name, d.reason)
	e := audit.Event{Time: g.now(), Type: audit.GatewayDenied, Outcome: audit.Failure, Reason: d.reason,
		Details: map[string]any{"route": q.rt.name, "status": d.status, "method": q.r.Method, "path": q.r.URL.Path}}
	if d.status == http.StatusTooManyRequests {
		e.Type = audit.RateLimitHit
	}
	if id != nil {
		e.ClientID, e.Subject, e.Actor = id.ClientID, id.Subject, id.ClientID
		if id.JTI != "" {
			e.Details["jti"] = id.JTI
		}
	}
	audit.Fill(q.r.Context(), &e)
	if e.RemoteIP == "" {
		e.RemoteIP = q.ip
	}
	if e.UserAgent == "" {
		e.UserAgent = q.r.UserAgent()
	}
	g.audit.Record(q.r.Context(), e)
	d.metadata = g.metadataURL(q.r, q.rt)
	d.write(w, q.rt.realm)
}

// remoteIP is the client address of r: the one the server middleware
// derived behind a trusted proxy (authcore.ClientIP), else the direct peer.
// Forwarded headers are never read here.
func remoteIP(r *http.Request) string { return authcore.ClientIP(r) }
