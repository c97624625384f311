package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
)

// secondNode is another Manager on e's store and clock, as a second node
// sharing a PostgreSQL store would be.
func (e *env) secondNode(tweak ...func(*Config)) *env {
	e.t.Helper()
	cfg := Config{Store: e.store, Audit: e.rec, Now: e.clock.Now, PasswordParams: testParams}
	for _, f := range tweak {
		f(&cfg)
	}
	m, err := New(cfg)
	must(e.t, err)
	mux := http.NewServeMux()
	m.Mount(mux)
	b := *e
	b.m, b.srv = m, httptest.NewServer(mux)
	e.t.Cleanup(b.srv.Close)
	return &b
}

// Issue 20: failed logins from one address count across nodes. Wrong
// passwords spread over two Managers on one store meet the burst of one:
// neither node's own bucket is empty, the shared count is. The account
// lockout (threshold 5 by default) is not reached, so the 429 is the
// address throttle's.
func TestFailedLoginsCountAcrossNodes(t *testing.T) {
	limit := func(c *Config) { c.LoginRate, c.LoginBurst = 1.0/6, 3 }
	a := newEnv(t, limit)
	b := a.secondNode(limit)
	c := a.browser()
	_, body := a.get(c, loginURL(testReturn))
	form := url.Values{"csrf_token": {csrfFrom(t, body)}, "return_to": {testReturn},
		"username": {"alice"}, "password": {"wrong password"}}
	nodes := []*env{a, b}
	for i := range 3 {
		if resp, _ := nodes[i%2].post(c, "/login", form); resp.StatusCode != http.StatusOK {
			t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := b.post(c, "/login", form)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th attempt, at the node that saw one: %d, want 429", resp.StatusCode)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 18 {
		t.Fatalf("Retry-After %q, want 1..18 (the shared window is burst/rate)", resp.Header.Get("Retry-After"))
	}
	contains(t, body, "Too many sign-in attempts")
	if len(a.rec.Of(audit.RateLimitHit)) != 1 {
		t.Fatalf("events %s", a.rec.String())
	}
	a.clock.Advance(18 * time.Second)
	form.Set("password", alicePassword)
	if resp, _ := b.post(c, "/login", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("right password after the window: %d", resp.StatusCode)
	}
}

// Issue 20: account lockout counts across nodes, since the failures are
// kept on the user record in the store: wrong passwords spread over two
// nodes lock the account at the threshold, and the lock holds on both.
func TestLockoutCountsAcrossNodes(t *testing.T) {
	a := newEnv(t)
	b := a.secondNode(func(c *Config) { c.LoginRate = a.m.cfg.LoginRate })
	nodes := []*Manager{a.m, b.m}
	th := a.m.Lockout().Threshold
	for i := range th {
		if _, err := nodes[i%2].Authenticate(t.Context(), "alice", "wrong password"); err != ErrInvalidCredentials {
			t.Fatalf("attempt %d: %v, want ErrInvalidCredentials", i+1, err)
		}
	}
	for i, m := range nodes {
		if _, err := m.Authenticate(t.Context(), "alice", alicePassword); err != ErrLocked {
			t.Errorf("node %d, right password after %d failures spread over two nodes: %v, want ErrLocked", i, th, err)
		}
	}
	if n := len(a.rec.Of(audit.AccountLocked)); n != 1 {
		t.Errorf("%d account.locked events, want 1", n)
	}
}
