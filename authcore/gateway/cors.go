package gateway

import (
	"net/http"
	"strconv"
	"strings"
)

// corsPolicy is a compiled CORS.
type corsPolicy struct {
	origins     map[string]bool
	methods     string
	headers     string
	credentials bool
	maxAge      string
}

// exposed are the response headers a browser caller needs to read to
// react to denials and limits.
const exposed = "WWW-Authenticate, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After"

func newCORSPolicy(c CORS, methods []string) *corsPolicy {
	p := &corsPolicy{origins: make(map[string]bool), credentials: c.AllowCredentials,
		methods: "GET, HEAD, POST, PUT, PATCH, DELETE", headers: "Authorization, DPoP, Content-Type"}
	for _, o := range c.Origins {
		p.origins[strings.ToLower(o)] = true
	}
	if len(methods) > 0 {
		p.methods = strings.Join(methods, ", ")
	}
	if len(c.Headers) > 0 {
		p.headers += ", " + strings.Join(c.Headers, ", ")
	}
	if c.MaxAgeSeconds > 0 {
		p.maxAge = strconv.Itoa(c.MaxAgeSeconds)
	}
	return p
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers an OPTIONS preflight: 204 with the policy for a listed
// origin, 403 for any other. No credentials are needed (Fetch §3.2.2).
func (p *corsPolicy) preflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	h := w.Header()
	h.Add("Vary", "Origin")
	if !p.origins[strings.ToLower(origin)] {
		plainDenial(http.StatusForbidden, CodeForbidden, "cors_origin", "this origin may not call this API from a browser").write(w, "")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", p.methods)
	h.Set("Access-Control-Allow-Headers", p.headers)
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if p.maxAge != "" {
		h.Set("Access-Control-Max-Age", p.maxAge)
	}
	w.WriteHeader(http.StatusNoContent)
}

// decorate adds the CORS response headers for a listed origin, before the
// response (success or denial) is written.
func (p *corsPolicy) decorate(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	h.Add("Vary", "Origin")
	if !p.origins[strings.ToLower(origin)] {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", exposed)
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// stripUpstreamCORS removes an upstream's own CORS headers when the route
// has a policy, so the gateway's are the only ones.
func stripUpstreamCORS(h http.Header) {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			h.Del(k)
		}
	}
}
