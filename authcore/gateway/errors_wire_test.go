package gateway

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The gateway's answers that are not token denials (no route, CORS,
// demo API, revocation feed, upstream failures), byte for byte:
// testdata/plain_errors.golden (go test -update rewrites it).
func TestPlainErrorsGolden(t *testing.T) {
	e := newEnv(t, func(up string) []Route {
		return []Route{
			{Name: "api", Prefix: "/api/", Upstream: up, MaxBodyBytes: 4, CORS: &CORS{Origins: []string{"https://app.example"}}},
			{Name: "down", Prefix: "/down/", Upstream: "http://127.0.0.1:1"},
		}
	}, nil)
	tok := bearer(e.iss.token(e.clk.Now(), nil))
	feedDown := FeedHandler(NewBroadcaster(func(context.Context) ([]authcore.Revocation, error) {
		return nil, errors.New("badger: disk on fire")
	}), FeedConfig{Authorize: func(context.Context, string) bool { return true }})
	cases := []struct {
		name string
		h    http.Handler
		r    *http.Request
	}{
		{"no route", e.gw, httptest.NewRequest("GET", "/nowhere", nil)},
		{"preflight from another origin", e.gw, with(httptest.NewRequest("OPTIONS", "/api/x", nil),
			"Origin", "https://evil.example", "Access-Control-Request-Method", "GET")},
		{"body too large", e.gw, with(httptest.NewRequest("POST", "/api/x", strings.NewReader("0123456789")), "Authorization", tok)},
		{"upstream down", e.gw, with(httptest.NewRequest("GET", "/down/x", nil), "Authorization", tok)},
		{"demo profile without the gateway", DemoAPI(), httptest.NewRequest("GET", DemoProfilePath, nil)},
		{"demo orders without the gateway", DemoAPI(), httptest.NewRequest("GET", DemoOrdersPath, nil)},
		{"feed without a credential", FeedHandler(NewBroadcaster(nil), FeedConfig{}), httptest.NewRequest("GET", "/feed", nil)},
		{"feed with its store down", feedDown, with(httptest.NewRequest("GET", "/feed", nil), "Authorization", "Bearer s3cret")},
	}
	var b strings.Builder
	for _, c := range cases {
		rec := httptest.NewRecorder()
		c.h.ServeHTTP(rec, c.r)
		testsupport.WriteAnswer(&b, c.name, rec, "WWW-Authenticate", "Retry-After", "Content-Type", "Cache-Control", "X-Content-Type-Options")
	}
	testsupport.Golden(t, "testdata/plain_errors.golden", b.String(), *update)
}

func with(r *http.Request, kv ...string) *http.Request {
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Set(kv[i], kv[i+1])
	}
	return r
}
