package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A route's health follows its last exchange: unknown before any, up once
// the upstream answered (whatever the status), down when it could not be
// reached; Probe checks on demand and records the same way.
func TestUpstreamHealth(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more
	var probed http.Header
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probed = r.Header.Clone()
		w.WriteHeader(http.StatusNotFound) // an answer is an answer
	}))
	defer up.Close()
	e := newEnv(t, func(string) []Route {
		return []Route{
			{Name: "live", Prefix: "/live/", Upstream: up.URL, Scopes: []string{"profile"}},
			{Name: "dead", Prefix: "/dead/", Upstream: dead, Scopes: []string{"profile"}},
			{Name: "local", Prefix: "/local/", Handler: http.NotFoundHandler(), Scopes: []string{"profile"}},
		}
	}, nil)
	health := func() map[string]RouteStats {
		out := map[string]RouteStats{}
		for _, s := range e.gw.Stats() {
			out[s.Route] = s
		}
		return out
	}
	if h := health(); h["live"].Health != HealthUnknown || h["dead"].Health != HealthUnknown {
		t.Fatalf("before any traffic: %+v", h)
	}
	tok := bearer(e.iss.token(e.clk.Now(), nil))
	if w := e.do("GET", "/live/x", tok, nil); w.Code != 404 {
		t.Fatalf("live: %d", w.Code)
	}
	if w := e.do("GET", "/dead/x", tok, nil); w.Code != 502 {
		t.Fatalf("dead: %d", w.Code)
	}
	h := health()
	if h["live"].Health != HealthUp || h["live"].LastOK.IsZero() || !h["live"].LastFailure.IsZero() {
		t.Fatalf("live after traffic: %+v", h["live"])
	}
	if h["dead"].Health != HealthDown || h["dead"].LastFailure.IsZero() {
		t.Fatalf("dead after traffic: %+v", h["dead"])
	}

	ctx := context.Background()
	if r, err := e.gw.Probe(ctx, "live"); err != nil || r.Health != HealthUp || r.Status != 404 || r.Target != up.URL {
		t.Fatalf("probe live: %+v %v", r, err)
	}
	if probed.Get("Authorization") != "" || probed.Get("User-Agent") != "latchkey-gateway-probe" {
		t.Fatalf("the probe sent %v", probed)
	}
	if r, err := e.gw.Probe(ctx, "dead"); err != nil || r.Health != HealthDown || r.Error == "" || r.Status != 0 {
		t.Fatalf("probe dead: %+v %v", r, err)
	}
	if r, err := e.gw.Probe(ctx, "local"); err != nil || r.Health != HealthUp || r.Target != "in-process" {
		t.Fatalf("probe in-process: %+v %v", r, err)
	}
	if _, err := e.gw.Probe(ctx, "nope"); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("probe of an unknown route: %v", err)
	}
	// The upstream comes back: the next answer makes the route up again.
	up2 := httptest.NewUnstartedServer(http.NotFoundHandler())
	l2, err := net.Listen("tcp", dead[len("http://"):])
	if err != nil {
		t.Fatalf("cannot listen on the dead port again, so the recovery is untested: %v", err)
	}
	up2.Listener = l2
	up2.Start()
	defer up2.Close()
	if r, _ := e.gw.Probe(ctx, "dead"); r.Health != HealthUp || health()["dead"].Health != HealthUp {
		t.Fatalf("after the upstream came back: %+v %+v", r, health()["dead"])
	}
}

// An upstream that answers 502 itself is up (it answered) and is not an
// upstream error of the gateway's; a client that leaves before the
// upstream answers says nothing of the upstream's health.
func TestUpstreamHealthAnswersAndHangUps(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow/x" {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer up.Close()
	defer close(release)
	e := newEnv(t, func(string) []Route {
		return []Route{
			{Name: "bad", Prefix: "/bad/", Upstream: up.URL, Scopes: []string{"profile"}},
			{Name: "slow", Prefix: "/slow/", Upstream: up.URL, Scopes: []string{"profile"}},
		}
	}, nil)
	tok := bearer(e.iss.token(e.clk.Now(), nil))
	if w := e.do("GET", "/bad/x", tok, nil); w.Code != http.StatusBadGateway {
		t.Fatalf("the upstream's own 502: %d", w.Code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	e.do("GET", "/slow/x", tok, func(r *http.Request) { *r = *r.WithContext(ctx) })
	stats := map[string]RouteStats{}
	for _, s := range e.gw.Stats() {
		stats[s.Route] = s
	}
	if s := stats["bad"]; s.Health != HealthUp || s.UpstreamErrors != 0 {
		t.Fatalf("an upstream that answered 502: %+v", s)
	}
	if s := stats["slow"]; s.Health != HealthUnknown || s.UpstreamErrors != 0 || s.Upstream != 1 {
		t.Fatalf("a client that hung up: %+v", s)
	}
}
