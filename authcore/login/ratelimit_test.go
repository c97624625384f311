package login

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
)

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LoginRate = 1.0 / 6; c.LoginBurst = 3 })
	c := e.browser()
	_, body := e.get(c, loginURL(testReturn))
	form := url.Values{"csrf_token": {csrfFrom(t, body)}, "return_to": {testReturn},
		"username": {"alice"}, "password": {"wrong password"}}
	for i := range 3 {
		if resp, _ := e.post(c, "/login", form); resp.StatusCode != http.StatusOK {
			t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := e.post(c, "/login", form)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th attempt: %d", resp.StatusCode)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 6 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	contains(t, body, "Too many sign-in attempts")
	if len(e.rec.Of(audit.LoginFailed)) != 3 || len(e.rec.Of(audit.RateLimitHit)) != 1 {
		t.Fatalf("events %s", e.rec.String())
	}
	// GET pages are not limited; the bucket refills with time.
	if resp, _ := e.get(c, loginURL(testReturn)); resp.StatusCode != 200 {
		t.Fatalf("GET while limited: %d", resp.StatusCode)
	}
	// The failures also spent the count shared with other nodes
	// (ratelimit_shared.go), LoginBurst per LoginBurst/LoginRate = 18 s:
	// the bucket's refill alone does not lift it.
	e.clock.Advance(6 * time.Second)
	if resp, _ := e.post(c, "/login", form); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after the bucket's refill, before the shared window ended: %d", resp.StatusCode)
	}
	e.clock.Advance(12 * time.Second)
	if resp, _ := e.post(c, "/login", form); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the shared window: %d", resp.StatusCode)
	}
}

func TestLimitKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7": "192.0.2.7", "2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64", "not-an-ip": "not-an-ip",
	} {
		if got := limitKey(in); got != want {
			t.Errorf("limitKey(%q) = %q, want %q", in, got, want)
		}
	}
}
