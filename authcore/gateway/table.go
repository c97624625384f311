package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// table is an immutable compiled route set. SetRoutes builds a new one and
// swaps it in; requests hold the table they started with until they end.
type table struct {
	routes []*route // longest prefix first, host-bound before unbound
	names  []string
	source []Route
}

// route is a compiled Route.
type route struct {
	Route
	name, realm, audience string
	host                  string
	methods               map[string]bool
	allow                 string
	clients               map[string]bool
	clientLim, ipLim      *limiterSet
	maxBody               int64
	idSubject, idClient   bool
	idScopes              bool
	cors                  *corsPolicy
	handler               http.Handler
	stats                 *routeStats
}

// SetRoutes validates routes, compiles them into a new table and swaps it
// in atomically. In-flight requests finish on the table they started
// with; rate-limit buckets of routes whose name and limits are unchanged
// carry over. On error the current table stays.
func (g *Gateway) SetRoutes(routes []Route) error {
	g.reconfig.Lock()
	defer g.reconfig.Unlock()
	old := g.table.Load()
	t := &table{source: append([]Route(nil), routes...)}
	seen := make(map[string]bool)
	for _, src := range routes {
		if err := src.Validate(); err != nil {
			return err
		}
		rt, err := g.compile(src, old)
		if err != nil {
			return err
		}
		if seen[rt.name] {
			return invalidf("two routes are named %q; give each a distinct name", rt.name)
		}
		seen[rt.name] = true
		t.routes = append(t.routes, rt)
		t.names = append(t.names, rt.name)
	}
	sort.SliceStable(t.routes, func(i, j int) bool {
		a, b := t.routes[i], t.routes[j]
		if len(a.Prefix) != len(b.Prefix) {
			return len(a.Prefix) > len(b.Prefix)
		}
		return a.host != "" && b.host == ""
	})
	g.table.Store(t)
	return nil
}

// Routes returns the routes of the current table.
func (g *Gateway) Routes() []Route {
	return append([]Route(nil), g.table.Load().source...)
}

// Stats returns the in-memory counters of the current routes.
func (g *Gateway) Stats() []RouteStats {
	return g.stats.snapshot(g.table.Load().names)
}

func (g *Gateway) compile(src Route, old *table) (*route, error) {
	rt := &route{Route: src, name: src.Name, audience: src.Audience, host: strings.ToLower(src.Host),
		maxBody: src.MaxBodyBytes}
	if rt.name == "" {
		rt.name = src.Prefix
	}
	rt.realm = src.Name
	if rt.realm == "" {
		rt.realm = g.cfg.Realm
	}
	if rt.audience == "" {
		rt.audience = g.cfg.Audience
	}
	if rt.audience == "" {
		return nil, invalidf("route %q: set audience (or Config.Audience): tokens must name the API they are for", rt.name)
	}
	if src.Introspect && g.cfg.Introspector == nil {
		return nil, invalidf("route %q: introspect needs the introspection settings (client id and secret)", rt.name)
	}
	if rt.maxBody == 0 {
		rt.maxBody = g.cfg.MaxBodyBytes
	}
	if len(src.Methods) > 0 {
		rt.methods = make(map[string]bool)
		for _, m := range src.Methods {
			rt.methods[m] = true
		}
		rt.allow = strings.Join(src.Methods, ", ")
	}
	if len(src.Clients) > 0 {
		rt.clients = make(map[string]bool)
		for _, c := range src.Clients {
			rt.clients[c] = true
		}
	}
	rt.idSubject, rt.idClient, rt.idScopes = src.IdentityHeaders == nil, src.IdentityHeaders == nil, src.IdentityHeaders == nil
	for _, h := range src.IdentityHeaders {
		switch http.CanonicalHeaderKey(h) {
		case HeaderSubject:
			rt.idSubject = true
		case HeaderClient:
			rt.idClient = true
		case HeaderScopes:
			rt.idScopes = true
		}
	}
	rt.clientLim = newLimiterSet(src.RateLimit.PerClient, src.RateLimit.Burst)
	rt.ipLim = newLimiterSet(src.RateLimit.PerIP, src.RateLimit.Burst)
	if prev := old.find(rt.name); prev != nil {
		rt.clientLim = keepLimiter(prev.clientLim, rt.clientLim)
		rt.ipLim = keepLimiter(prev.ipLim, rt.ipLim)
	}
	if src.CORS != nil {
		rt.cors = newCORSPolicy(*src.CORS, src.Methods)
	}
	rt.stats = g.stats.get(rt.name)
	if src.Handler != nil {
		rt.handler = src.Handler
	} else {
		target, err := url.Parse(src.Upstream)
		if err != nil {
			return nil, fmt.Errorf("gateway: route %q: upstream: %w", rt.name, err)
		}
		rt.handler = g.newProxy(rt, target)
	}
	return rt, nil
}

func keepLimiter(prev, next *limiterSet) *limiterSet {
	if prev != nil && next != nil && prev.spec == next.spec {
		return prev
	}
	return next
}

func (t *table) find(name string) *route {
	if t == nil {
		return nil
	}
	for _, rt := range t.routes {
		if rt.name == name {
			return rt
		}
	}
	return nil
}

// match returns the route for r's host and path, or nil.
func (t *table) match(r *http.Request) *route {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	p := r.URL.Path
	for _, rt := range t.routes {
		if rt.host != "" && rt.host != host {
			continue
		}
		if prefixMatch(rt.Prefix, p) {
			return rt
		}
	}
	return nil
}

// prefixMatch matches at path-segment boundaries.
func prefixMatch(prefix, p string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(p, prefix) || p == prefix[:len(prefix)-1]
	}
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}
