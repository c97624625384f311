package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// headerUpstream records the headers of the last request it got.
type headerUpstream struct {
	mu  sync.Mutex
	got http.Header
}

func (u *headerUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.got = r.Header.Clone()
	u.mu.Unlock()
}

func (u *headerUpstream) last() http.Header {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.got
}

// Headers an upstream may read as facts about the client (its address,
// the URL or method it "really" asked for) never reach it from the
// client: neither through a proxied route nor an in-process one. The
// X-Forwarded-For/-Host/-Proto it gets are the gateway's own.
func TestGatewayAttackClientStatedHeaders(t *testing.T) {
	proxied := &headerUpstream{}
	up := httptest.NewServer(proxied)
	defer up.Close()
	inproc := &headerUpstream{}
	e := newEnv(t, func(string) []Route {
		return []Route{
			{Name: "api", Prefix: "/api/", Upstream: up.URL},
			{Name: "local", Prefix: "/local/", Handler: inproc},
		}
	}, nil)
	forged := map[string]string{
		"X-Real-IP": "10.0.0.1", "True-Client-IP": "10.0.0.2", "X-Client-IP": "10.0.0.3", "Client-IP": "10.0.0.4",
		"X-Original-URL": "/admin", "X-Rewrite-URL": "/admin", "X-Original-URI": "/admin",
		"X-Original-Forwarded-For": "10.0.0.5", "X-Cluster-Client-IP": "10.0.0.6", "CF-Connecting-IP": "10.0.0.7",
		"Forwarded":       "for=10.0.0.8;proto=https;host=admin.internal",
		"X-Forwarded-For": "10.0.0.9", "X-Forwarded-Host": "admin.internal", "X-Forwarded-Proto": "https",
		"X-Forwarded-Port": "8443", "X-Forwarded-Prefix": "/admin", "X-Forwarded-Server": "admin", "X-Forwarded-Ssl": "on",
		"X-HTTP-Method-Override": "DELETE", "X-HTTP-Method": "DELETE", "X-Method-Override": "DELETE",
		"X-Host": "admin.internal", "X-Original-Host": "admin.internal",
	}
	tok := bearer(e.iss.token(e.clk.Now(), nil))
	for _, tc := range []struct {
		path string
		up   *headerUpstream
	}{{"/api/x", proxied}, {"/local/x", inproc}} {
		w := e.do("GET", tc.path, tok, func(r *http.Request) {
			for k, v := range forged {
				r.Header.Set(k, v)
			}
			r.Header.Add("x-real-ip", "10.0.0.10")
			r.Header["x-original-url"] = []string{"/admin"} // a key in no canonical form
			r.Header.Set("X-Request-Note", "kept")
		})
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", tc.path, w.Code, w.Body)
		}
		got := tc.up.last()
		for k := range forged {
			switch k {
			case "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto":
				continue
			}
			if v := got.Values(k); len(v) > 0 {
				t.Errorf("%s: client's %s reached the upstream: %q", tc.path, k, v)
			}
		}
		for k, v := range got {
			if strings.EqualFold(k, "X-Original-URL") {
				t.Errorf("%s: client's %s reached the upstream: %q", tc.path, k, v)
			}
		}
		if got.Get("X-Request-Note") != "kept" {
			t.Errorf("%s: an ordinary header was dropped", tc.path)
		}
		if tc.up == proxied {
			// httptest.NewRequest comes from 192.0.2.1 to example.com over HTTP.
			if xff, xfh, xfp := got.Values("X-Forwarded-For"), got.Get("X-Forwarded-Host"), got.Get("X-Forwarded-Proto"); len(xff) != 1 || xff[0] != "192.0.2.1" || xfh != "example.com" || xfp != "http" {
				t.Errorf("gateway's X-Forwarded-*: for %q host %q proto %q", xff, xfh, xfp)
			}
		} else if v := got.Values("X-Forwarded-For"); len(v) > 0 {
			t.Errorf("in-process route got the client's X-Forwarded-For %q", v)
		}
	}
}
