package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
)

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(up string) []Route {
		return []Route{{Name: "api", Prefix: "/api/", Upstream: up, RateLimit: RateLimit{PerClient: "2/s", PerIP: "5/m"}}}
	}, nil)
	tok := bearer(e.iss.token(e.clk.Now(), nil))
	for i := range 2 {
		w := e.do("GET", "/api/x", tok, nil)
		if w.Code != 200 || w.Header().Get("RateLimit-Limit") != "2" || w.Header().Get("RateLimit-Remaining") != fmt.Sprint(1-i) {
			t.Fatalf("request %d: %d %v", i, w.Code, w.Header())
		}
	}
	w := e.do("GET", "/api/x", tok, nil)
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" || w.Header().Get("RateLimit-Remaining") != "0" || w.Header().Get("RateLimit-Reset") == "" {
		t.Fatalf("per-client limit: %d %v", w.Code, w.Header())
	}
	e.clk.Add(time.Second)
	if w := e.do("GET", "/api/x", tok, nil); w.Code != 200 {
		t.Fatalf("after refill: %d", w.Code)
	}
	// The per-IP bucket (5/m) has 1 left; unauthenticated calls spend it too.
	e.do("GET", "/api/x", "", nil)
	w = e.do("GET", "/api/x", tok, nil)
	if w.Code != 429 || w.Header().Get("RateLimit-Limit") != "5" || w.Header().Get("Retry-After") != "11" {
		t.Fatalf("per-IP limit: %d %v", w.Code, w.Header())
	}
	var hits int
	for _, ev := range e.audit.all() {
		if ev.Type == audit.RateLimitHit {
			hits++
		}
	}
	if hits != 2 {
		t.Errorf("%d RateLimitHit events, want 2", hits)
	}
	st := e.gw.Stats()
	if len(st) != 1 || st[0].Denied["rate_limited"] != 2 || st[0].Allowed != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestIdentityHeadersAndStripping(t *testing.T) {
	e := newEnv(t, nil, nil)
	tok := e.iss.token(e.clk.Now(), nil)
	w := e.do("GET", "/api/x?access_token=leak&b=1", bearer(tok), func(r *http.Request) {
		r.Header.Set("X-Auth-Subject", "mallory")
		r.Header.Add("X-Auth-Subject", "root")
		r.Header.Set("x-auth-client", "evil")
		r.Header.Set("X-Auth-Scopes", "admin")
		r.Header.Set("X-Auth-Other", "x")
	})
	var got struct {
		Subject, Client, Scopes []string
		Authorization, Query    string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if fmt.Sprint(got.Subject, got.Client, got.Scopes) != "[alice] [c1] [profile orders:read]" {
		t.Errorf("identity headers upstream: %+v", got)
	}
	if got.Authorization != "" || strings.Contains(got.Query, "access_token") {
		t.Errorf("Authorization %q / query %q reached the upstream", got.Authorization, got.Query)
	}
	// Forged headers never reach the upstream, even when the request is denied
	// or the route passes no identity.
	e2 := newEnv(t, func(up string) []Route {
		return []Route{{Name: "api", Prefix: "/api/", Upstream: up, IdentityHeaders: []string{}, KeepAuthorization: true}}
	}, nil)
	w = e2.do("GET", "/api/x", bearer(e2.iss.token(e2.clk.Now(), nil)), func(r *http.Request) { r.Header.Set("X-Auth-Subject", "mallory") })
	_ = json.Unmarshal(w.Body.Bytes(), &got)
	if len(got.Subject) != 0 || got.Authorization == "" {
		t.Errorf("no-identity route: %+v", got)
	}
}

func TestRoutingAndErrors(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	e := newEnv(t, func(up string) []Route {
		return []Route{
			{Name: "api", Prefix: "/api/", Upstream: up},
			{Name: "dead", Prefix: "/dead", Upstream: dead.URL},
			{Name: "ro", Prefix: "/api/ro/", Upstream: up, Methods: []string{"GET"}, MaxBodyBytes: 10},
			{Name: "small", Prefix: "/small", Upstream: up, MaxBodyBytes: 10},
			{Name: "cors", Prefix: "/cors/", Upstream: up, CORS: &CORS{Origins: []string{"https://app.example"}}},
		}
	}, nil)
	tok := bearer(e.iss.token(e.clk.Now(), nil))
	check := func(name string, w *httptest.ResponseRecorder, status int, errCode string) {
		t.Helper()
		var body map[string]string
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != status || body["error"] != errCode {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "127.0.0.1") || strings.Contains(w.Body.String(), "refused") {
			t.Errorf("%s: body leaks upstream detail: %s", name, w.Body)
		}
	}
	check("unknown path", e.do("GET", "/nope", tok, nil), 404, CodeNotFound)
	check("prefix boundary", e.do("GET", "/deadx", tok, nil), 404, CodeNotFound)
	check("upstream down", e.do("GET", "/dead/x", tok, nil), 502, CodeBadGateway)
	w := e.do("POST", "/api/ro/x", tok, nil)
	check("method", w, 405, CodeMethodNotAllowed)
	if w.Header().Get("Allow") != "GET" {
		t.Errorf("Allow %q", w.Header().Get("Allow"))
	}
	check("dot segments", e.do("GET", "/api/../admin", tok, nil), 400, CodeInvalidRequest)
	check("body too large", e.do("POST", "/small", tok, func(r *http.Request) {
		r.Body = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 100))).Body
		r.ContentLength = 100
	}), 413, CodeTooLarge)
	check("chunked body too large", e.do("POST", "/small", tok, func(r *http.Request) {
		r.Body = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 100))).Body
		r.ContentLength = -1
	}), 413, CodeTooLarge)

	pre := e.do("OPTIONS", "/cors/x", "", func(r *http.Request) {
		r.Header.Set("Origin", "https://app.example")
		r.Header.Set("Access-Control-Request-Method", "GET")
	})
	if pre.Code != 204 || pre.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("preflight: %d %v", pre.Code, pre.Header())
	}
	pre = e.do("OPTIONS", "/cors/x", "", func(r *http.Request) {
		r.Header.Set("Origin", "https://evil.example")
		r.Header.Set("Access-Control-Request-Method", "GET")
	})
	if pre.Code != 403 || pre.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", pre.Code, pre.Header())
	}
	w = e.do("GET", "/cors/x", "", func(r *http.Request) { r.Header.Set("Origin", "https://app.example") })
	if w.Code != 401 || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
		t.Errorf("CORS on denial: %d %v", w.Code, w.Header())
	}
}

func TestValidateMessages(t *testing.T) {
	for _, tc := range []struct {
		rt   Route
		want string
	}{
		{Route{Prefix: "api", Upstream: "http://u"}, `prefix must start with "/"`},
		{Route{Prefix: "/api/../x", Upstream: "http://u"}, "not a clean path"},
		{Route{Prefix: "/api"}, "set upstream"},
		{Route{Prefix: "/api", Upstream: "ftp://u"}, "must be an http:// or https:// URL"},
		{Route{Prefix: "/api", Upstream: "http://u", Methods: []string{"get"}}, "upper-case HTTP method"},
		{Route{Prefix: "/api", Upstream: "http://u", RateLimit: RateLimit{PerClient: "100/d"}}, "rate_limit.per_client"},
		{Route{Prefix: "/api", Upstream: "http://u", RateLimit: RateLimit{PerIP: "lots"}}, "rate_limit.per_ip"},
		{Route{Prefix: "/api", Upstream: "http://u", CORS: &CORS{Origins: []string{"*"}}}, "wildcard"},
		{Route{Prefix: "/api", Upstream: "http://u", IdentityHeaders: []string{"X-User"}}, "identity header"},
	} {
		err := tc.rt.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "gateway: ") {
			t.Errorf("%+v: %v, want %q", tc.rt, err, tc.want)
		}
	}
	for in, want := range map[string]float64{"100/s": 100, "600/m": 10, "36/h": 0.01} {
		if l, _, err := ParseRate(in); err != nil || float64(l) != want {
			t.Errorf("ParseRate(%q) = %v, %v", in, l, err)
		}
	}
	_, err := New(Config{Issuer: "https://as", Keys: NewFuncKeySource(func() ([]byte, string) { return nil, "" }),
		Revocations: NoRevocations{}, Routes: []Route{{Prefix: "/a", Upstream: "http://u"}}})
	if err == nil || !strings.Contains(err.Error(), "set audience") {
		t.Errorf("route without audience: %v", err)
	}
}

// TestHotReload swaps route tables under concurrent load: every request
// gets an answer from one table or the other, none is lost.
func TestHotReload(t *testing.T) {
	var slow atomic.Int64
	slowUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slow.Add(1)
		time.Sleep(time.Millisecond)
		_, _ = w.Write([]byte("v1"))
	}))
	defer slowUp.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("v2")) }))
	defer other.Close()
	e := newEnv(t, func(string) []Route { return []Route{{Name: "api", Prefix: "/api/", Upstream: slowUp.URL}} }, nil)
	srv := httptest.NewServer(e.gw)
	defer srv.Close()
	tok := bearer(e.iss.token(e.clk.Now(), nil))
	var wg sync.WaitGroup
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", srv.URL+"/api/x", nil)
				req.Header.Set("Authorization", tok)
				resp, err := srv.Client().Do(req)
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				} else {
					ok.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	for i := range 50 {
		up := slowUp.URL
		if i%2 == 0 {
			up = other.URL
		}
		if err := e.gw.SetRoutes([]Route{{Name: "api", Prefix: "/api/", Upstream: up}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || ok.Load() == 0 || slow.Load() == 0 {
		t.Fatalf("ok %d, failed %d", ok.Load(), failed.Load())
	}
	if err := e.gw.SetRoutes([]Route{{Prefix: "bad"}}); err == nil || e.gw.Routes()[0].Prefix != "/api/" {
		t.Errorf("a bad table replaced the good one: %v", err)
	}
}

func TestJWKSFlood(t *testing.T) {
	e := newEnv(t, nil, nil)
	now := e.clk.Now()
	for i := range 1000 {
		tok := e.iss.token(now, func(h, c map[string]any) { h["kid"] = fmt.Sprintf("random-%d", i) })
		if w := e.do("GET", "/api/x", bearer(tok), nil); w.Code != 401 {
			t.Fatalf("kid %d: %d", i, w.Code)
		}
		if i%100 == 0 {
			e.clk.Add(time.Second) // 10 s pass over the flood
		}
	}
	// First use fetches; at most one refetch per 10 s afterwards.
	if n := e.iss.hits.Load(); n < 1 || n > 3 {
		t.Errorf("JWKS fetched %d times during the flood", n)
	}
	if w := e.do("GET", "/api/x", bearer(e.iss.token(now, nil)), nil); w.Code != 200 {
		t.Errorf("valid token after the flood: %d", w.Code)
	}
}

func TestDemoAPI(t *testing.T) {
	iss := newIssuer(t)
	clk := newClock()
	gw, err := New(Config{Issuer: iss.url, Routes: DemoRoutes(testAudience), Revocations: NoRevocations{}, Now: clk.Now,
		Keys: NewFuncKeySource(func() ([]byte, string) { return iss.jwks, "v1" })})
	if err != nil {
		t.Fatal(err)
	}
	do := func(path, scope string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Authorization", bearer(iss.token(clk.Now(), func(h, c map[string]any) { c["scope"] = scope })))
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, r)
		return w
	}
	if w := do(DemoProfilePath, "profile"); w.Code != 200 || !strings.Contains(w.Body.String(), `"subject":"alice"`) {
		t.Errorf("profile: %d %s", w.Code, w.Body)
	}
	if w := do(DemoOrdersPath, "orders:read"); w.Code != 200 || !strings.Contains(w.Body.String(), "ord-1001") {
		t.Errorf("orders: %d %s", w.Code, w.Body)
	}
	w := do(DemoOrdersPath, "profile")
	if w.Code != 403 || w.Header().Get("WWW-Authenticate") != `Bearer realm="demo-orders", error="insufficient_scope", scope="orders:read", `+
		`resource_metadata="http://example.com/.well-known/oauth-protected-resource/demo/api/orders"` {
		t.Errorf("orders without scope: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	direct := httptest.NewRecorder()
	DemoAPI().ServeHTTP(direct, httptest.NewRequest("GET", DemoProfilePath, nil))
	if direct.Code != 401 {
		t.Errorf("demo API without the gateway: %d", direct.Code)
	}
}
