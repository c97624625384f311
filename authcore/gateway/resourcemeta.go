package gateway

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
)

// WellKnownResource is the well-known path of OAuth 2.0 Protected
// Resource Metadata (RFC 9728 §3). A route's document is at this path
// followed by the route's prefix (§3.1: the well-known string inserted
// between the host and the path of the resource identifier).
const WellKnownResource = "/.well-known/oauth-protected-resource"

// resourceBase is scheme://host[:port] as the client addresses the
// gateway: Config.PublicURL, else the connection's scheme and Host.
func (g *Gateway) resourceBase(r *http.Request) string {
	if g.cfg.PublicURL != "" {
		return strings.TrimSuffix(g.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// resourcePath is the path part of a route's resource identifier: its
// prefix without a trailing slash ("" for the root).
func resourcePath(rt *route) string { return strings.TrimSuffix(rt.Prefix, "/") }

// metadataURL is the RFC 9728 §3.1 metadata URL of rt, as the
// resource_metadata parameter of its challenges names it (§5.1).
func (g *Gateway) metadataURL(r *http.Request, rt *route) string {
	return g.resourceBase(r) + WellKnownResource + resourcePath(rt)
}

// serveResourceMetadata answers GET on the well-known path (RFC 9728
// §3.2) with the metadata of the route whose resource identifier the
// rest of the path names, on this host: resource (the gateway's URL of
// the route, §3.3), the issuer as authorization server, the scopes the
// route requires or accepts, the bearer methods it takes and the DPoP
// algorithms it verifies. Anything else is 404.
func (g *Gateway) serveResourceMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plainDenial(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "method_not_allowed",
			"resource metadata is read with GET").write(w, "")
		return
	}
	want := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, WellKnownResource), "/")
	rt := g.table.Load().byResource(r.Host, want)
	if rt == nil {
		plainDenial(http.StatusNotFound, CodeNotFound, "no_resource", "no protected resource has this identifier").write(w, "")
		return
	}
	scopes := append(append([]string{}, rt.Scopes...), rt.AnyScopes...)
	methods := []string{"header"}
	if rt.FormTokens {
		methods = append(methods, "body")
	}
	m := map[string]any{
		"resource":                          g.resourceBase(r) + resourcePath(rt),
		"resource_name":                     rt.name,
		"authorization_servers":             []string{g.cfg.Issuer},
		"bearer_methods_supported":          methods,
		"dpop_signing_alg_values_supported": strings.Fields(DPoPAlgs),
	}
	if len(scopes) > 0 {
		m["scopes_supported"] = scopes
	}
	body, _ := json.Marshal(m) // strings and string slices: cannot fail
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(body, '\n'))
}

// byResource returns the route on host whose resource path is p.
func (t *table) byResource(host, p string) *route {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	for _, rt := range t.routes {
		if (rt.host == "" || rt.host == host) && resourcePath(rt) == p {
			return rt
		}
	}
	return nil
}
