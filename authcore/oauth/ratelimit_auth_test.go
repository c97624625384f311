package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TOK-16: a burst of wrong secrets is throttled with 429 + Retry-After
// before the secret is checked; the legitimate client with the right
// secret from another address is not slowed, and the lock lifts with time.
func TestFailedClientAuthIsThrottled(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AuthFailureRate, c.AuthFailureBurst = rate.Every(time.Second), 5 })
	f := url.Values{"grant_type": {"client_credentials"}}
	wrong := e.svc
	wrong.secret = "wrong-secret"
	for i := 0; i < 5; i++ {
		if r := e.post("/token", f, &wrong); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i, r.status, r.raw)
		}
	}
	r := e.post("/token", f, &wrong)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("after the burst: %d %v", r.status, r.header)
	}
	if r := e.post("/token", f, &e.rs); r.status != http.StatusTooManyRequests {
		t.Fatalf("same IP, other client: %d (the per-IP guard must hold too)", r.status)
	}
	e.clock.Advance(10 * time.Second)
	if r := e.post("/token", f, &e.svc); r.status != http.StatusOK {
		t.Fatalf("right secret after the wait: %d %s", r.status, r.raw)
	}
}

// secondNode is another Server on e's store, as a second node sharing a
// PostgreSQL store would be: its own process state, the same records.
func (e *env) secondNode(opts ...func(*Config)) *env {
	e.t.Helper()
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	e.t.Cleanup(ts.Close)
	cfg := Config{Issuer: e.ts.URL, Store: e.store, Signer: e.signer, Interaction: e.ui,
		Audit: e.rec, Now: e.clock.Now, ClientRate: rate.Inf, IPRate: rate.Inf, AuthFailureRate: rate.Inf}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(context.Background(), cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	srv.Mount(mux)
	b := *e
	b.srv, b.ts = srv, ts
	return &b
}

// Issue 20: failed client authentications count across nodes. Wrong
// secrets spread over two servers on one store meet the burst of one
// server: neither server's own bucket is spent, the shared count is.
func TestFailedClientAuthCountsAcrossNodes(t *testing.T) {
	guard := func(c *Config) { c.AuthFailureRate, c.AuthFailureBurst = rate.Every(time.Second), 5 }
	a := newEnv(t, guard)
	b := a.secondNode(guard)
	f := url.Values{"grant_type": {"client_credentials"}}
	wrong := a.svc
	wrong.secret = "wrong-secret"
	nodes := []*env{a, b}
	for i := 0; i < 5; i++ {
		if r := nodes[i%2].post("/token", f, &wrong); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i, r.status, r.raw)
		}
	}
	for i, n := range nodes {
		r := n.post("/token", f, &wrong)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Fatalf("node %d after 5 failures spread over two nodes: %d %s, want 429 with Retry-After", i, r.status, r.raw)
		}
	}
	a.clock.Advance(10 * time.Second) // the shared window is burst/rate = 5 s
	if r := b.post("/token", f, &a.svc); r.status != http.StatusOK {
		t.Fatalf("right secret after the window: %d %s", r.status, r.raw)
	}
}

// On a shared store (Config.CounterTTL) a node answers the failure guard
// from the counts it saw: failures spread over two nodes let at most one
// attempt per node through beyond the shared ceiling (its own increment
// tells it the true count), and after CounterTTL every node refuses at
// once.
func TestFailedClientAuthCachedCountsAcrossNodes(t *testing.T) {
	guard := func(c *Config) {
		c.AuthFailureRate, c.AuthFailureBurst, c.CounterTTL = rate.Every(time.Second), 5, time.Second
	}
	f := url.Values{"grant_type": {"client_credentials"}}
	for _, after := range []time.Duration{0, time.Second} {
		a := newEnv(t, guard)
		b := a.secondNode(guard)
		wrong := a.svc
		wrong.secret = "wrong-secret"
		if r := b.post("/token", f, &a.svc); r.status != http.StatusOK { // b caches the counts at 0
			t.Fatalf("right secret: %d %s", r.status, r.raw)
		}
		for i := 0; i < 5; i++ {
			if r := a.post("/token", f, &wrong); r.status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d %s", i, r.status, r.raw)
			}
		}
		a.clock.Advance(after)
		for i, n := range []*env{a, b} {
			extra := 0
			for ; ; extra++ {
				r := n.post("/token", f, &wrong)
				if r.status == http.StatusTooManyRequests {
					break
				}
				if r.status != http.StatusUnauthorized || extra == 1 || after > 0 || i == 0 {
					t.Fatalf("node %d, %s after the ceiling, extra attempt %d: %d %s", i, after, extra+1, r.status, r.raw)
				}
			}
		}
	}
}
