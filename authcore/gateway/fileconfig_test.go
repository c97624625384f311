package gateway

import (
	"context"
	"net/http/httptest"
	"time"

	"github.com/rs/zerolog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"issuer": "https://as.example", "audience": "https://api.example",
	  "routes": [{"prefix": "/api/", "upstream": "http://127.0.0.1:9000", "scopes": ["a"],
	              "rate_limit": {"per_client": "100/s", "per_ip": "600/m"}}],
	  "feed": {"url": "https://as.example/feed", "credential": "x"},
	  "introspection": {"client_id": "gw", "client_secret": "s"}}`
	fc, err := LoadConfig(write("gw.json", good))
	if err != nil || fc.Listen != DefaultListen || fc.Routes[0].RateLimit.PerIP != "600/m" || fc.Introspection.ClientID != "gw" {
		t.Fatalf("%+v %v", fc, err)
	}
	several := strings.Replace(good, `"url": "https://as.example/feed"`, `"urls": ["https://a.example/feed", "https://b.example/feed"]`, 1)
	if fc, err := LoadConfig(write("several.json", several)); err != nil || len(fc.Feed.all()) != 2 {
		t.Fatalf("several feed urls: %+v %v", fc.Feed, err)
	}
	yml := `issuer: https://as.example
listen: 127.0.0.1:9999
revocation: none
routes:
  - prefix: /api/
    upstream: http://127.0.0.1:9000
    audience: https://api.example
    any_scopes: [a, b]
`
	fc, err = LoadConfig(write("gw.yaml", yml))
	if err != nil || fc.Listen != "127.0.0.1:9999" || len(fc.Routes[0].AnyScopes) != 2 {
		t.Fatalf("%+v %v", fc, err)
	}
	for name, tc := range map[string]struct{ file, body, want string }{
		"json unknown top":   {"a.json", strings.Replace(good, `"audience"`, `"audiance"`, 1), `unknown field "audiance"`},
		"json unknown route": {"b.json", strings.Replace(good, `"scopes"`, `"scope"`, 1), `unknown field "scope"`},
		"yaml unknown":       {"c.yaml", yml + "    upstreams: x\n", "field upstreams not found"},
		"bad rate":           {"d.json", strings.Replace(good, `100/s`, `100/d`, 1), "routes[0]: route \"/api/\": rate_limit.per_client"},
		"no feed":            {"e.yaml", strings.Replace(yml, "revocation: none\n", "", 1), "set feed"},
		"no audience":        {"f.yaml", strings.Replace(yml, "    audience: https://api.example\n", "", 1), "set audience"},
		"feed without url":   {"g.json", strings.Replace(good, `"url": "https://as.example/feed", `, "", 1), "feed needs a url"},
		"feed bad url":       {"h.json", strings.Replace(good, `"url": "https://as.example/feed"`, `"urls": ["https://a.example/feed", "ftp://b"]`, 1), `feed url "ftp://b"`},
	} {
		_, err := LoadConfig(write(tc.file, tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "gateway: ") {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func TestStandaloneDiscovery(t *testing.T) {
	iss := newIssuer(t)
	up := echoUpstream(t)
	fc := FileConfig{Issuer: iss.url, Listen: DefaultListen, Audience: testAudience, Revocation: "none",
		Routes: []Route{{Prefix: "/api/", Upstream: up.URL}}}
	gw, stop, err := Standalone(context.Background(), fc, nil, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	r := httptest.NewRequest("GET", "/api/x", nil)
	r.Header.Set("Authorization", bearer(iss.token(time.Now(), nil)))
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, r)
	if w.Code != 200 || iss.hits.Load() != 1 {
		t.Errorf("via discovery: %d %s (JWKS hits %d)", w.Code, w.Body, iss.hits.Load())
	}
}
