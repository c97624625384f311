package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestIntrospection(t *testing.T) {
	var calls atomic.Int64
	var iss *issuer
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		id, secret, ok := r.BasicAuth()
		if !ok || id != "gw" || secret != "s" || r.Method != "POST" {
			w.WriteHeader(401)
			return
		}
		switch r.FormValue("token") {
		case "opaque-good":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "bob", "client_id": "c2",
				"scope": "profile", "aud": testAudience, "iss": iss.url, "exp": t0.Unix() + 300})
		case "opaque-other-aud":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "bob", "scope": "profile", "aud": "other"})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"active": false})
		}
	}))
	defer as.Close()
	e := newEnv(t, func(up string) []Route {
		return []Route{{Name: "api", Prefix: "/api/", Upstream: up, Scopes: []string{"profile"}},
			{Name: "strict", Prefix: "/strict/", Upstream: up, Introspect: true}}
	}, func(c *Config) {
		c.Introspector = NewIntrospector(c.Issuer, IntrospectionConfig{Endpoint: as.URL, ClientID: "gw", ClientSecret: "s"}, nil, c.Now)
	})
	iss = e.iss
	for _, tc := range []struct {
		path, auth string
		status     int
	}{
		{"/api/x", "Bearer opaque-good", 200},
		{"/api/x", "Bearer opaque-good", 200}, // cached
		{"/api/x", "Bearer opaque-bad", 401},
		{"/api/x", "Bearer opaque-other-aud", 401},
		{"/strict/x", bearer(e.iss.token(e.clk.Now(), nil)), 401}, // valid JWT, but the AS says inactive
	} {
		if w := e.do("GET", tc.path, tc.auth, nil); w.Code != tc.status {
			t.Errorf("%s %s: %d %s", tc.path, tc.auth[:20], w.Code, w.Body)
		}
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("%d introspection calls, want 4 (one cached)", n)
	}
}
