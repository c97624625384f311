package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
)

// BenchmarkGateway compares requests through the gateway (ES256 JWT
// verification, revocation lookup, scope check, rate limiters, identity
// headers) with the same upstream behind a bare httputil.ReverseProxy, in
// one run. The ratio is bare ns/op divided by gateway ns/op.
func BenchmarkGateway(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	e := newEnv(b, func(string) []Route {
		return []Route{{Name: "api", Prefix: "/api/", Upstream: up.URL, Scopes: []string{"profile"},
			RateLimit: RateLimit{PerClient: "1000000/s", PerIP: "1000000/s"}}}
	}, func(c *Config) { c.Now = nil })
	tok := "Bearer " + e.iss.token(e.clk.Now(), nil)
	e.gw.verifier.now = e.clk.Now
	e.gw.dpop.Now = e.clk.Now
	e.gw.now = e.clk.Now

	bare := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport: newTransport()}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"gateway", e.gw}} {
		b.Run(c.name, func(b *testing.B) {
			front := httptest.NewServer(c.h)
			defer front.Close()
			client := front.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", front.URL+"/api/x", nil)
					req.Header.Set("Authorization", tok)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
