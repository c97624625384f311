package gateway

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// RFC 9728 Protected Resource Metadata, as the standalone gateway and the
// embedded one serve it: per route at the well-known path followed by the
// route's prefix, with the route's scopes, its bearer methods and the
// DPoP algorithms; 404 for a path no route has (no fall-back to a
// longer-prefix match) and for another host's route; 405 for writes.
func TestResourceMetadata(t *testing.T) {
	e := newEnv(t, func(up string) []Route {
		return []Route{
			{Name: "orders", Prefix: "/api/orders/", Upstream: up, Scopes: []string{"orders:read"}, AnyScopes: []string{"admin"}},
			{Name: "forms", Prefix: "/forms", Upstream: up, FormTokens: true},
			{Name: "other-host", Prefix: "/hosted", Upstream: up, Host: "other.example"},
		}
	}, func(c *Config) { c.PublicURL = "https://gw.example" })
	w := e.do("GET", WellKnownResource+"/api/orders", "", nil)
	var m map[string]any
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &m) != nil {
		t.Fatalf("metadata: %d %s", w.Code, w.Body)
	}
	strs := func(k string) []string {
		var out []string
		for _, v := range m[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	if m["resource"] != "https://gw.example/api/orders" || !slices.Equal(strs("authorization_servers"), []string{e.iss.url}) ||
		!slices.Equal(strs("scopes_supported"), []string{"orders:read", "admin"}) ||
		!slices.Equal(strs("bearer_methods_supported"), []string{"header"}) ||
		!slices.Equal(strs("dpop_signing_alg_values_supported"), []string{"ES256", "PS256", "EdDSA"}) ||
		m["resource_name"] != "orders" {
		t.Fatalf("metadata %v", m)
	}
	if w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", w.Header().Get("Content-Type"))
	}
	w = e.do("GET", WellKnownResource+"/forms/", "", nil)
	if json.Unmarshal(w.Body.Bytes(), &m) != nil || !slices.Equal(strs("bearer_methods_supported"), []string{"header", "body"}) {
		t.Fatalf("form-token route: %d %s", w.Code, w.Body)
	}
	// The challenge of a route names its metadata (RFC 9728 §5.1).
	w = e.do("GET", "/api/orders/1", "", nil)
	if got := w.Header().Get("WWW-Authenticate"); w.Code != 401 ||
		got != `Bearer realm="orders", resource_metadata="https://gw.example/.well-known/oauth-protected-resource/api/orders", DPoP algs="ES256 PS256 EdDSA"` {
		t.Fatalf("challenge %d %q", w.Code, got)
	}
	for _, p := range []string{WellKnownResource, WellKnownResource + "/api", WellKnownResource + "/api/orders/1",
		WellKnownResource + "/hosted", WellKnownResource + "x/api/orders"} {
		if w := e.do("GET", p, "", nil); w.Code != 404 {
			t.Errorf("GET %s: %d %s", p, w.Code, w.Body)
		}
	}
	w = e.do("GET", WellKnownResource+"/hosted", "", func(r *http.Request) { r.Host = "other.example" })
	if w.Code != 200 {
		t.Errorf("the other host's route: %d", w.Code)
	}
	if w := e.do("POST", WellKnownResource+"/api/orders", "", nil); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %q", w.Code, w.Header().Get("Allow"))
	}
}
