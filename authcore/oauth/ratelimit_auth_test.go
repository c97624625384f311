package oauth

import (
	"net/http"
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
