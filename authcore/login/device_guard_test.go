package login

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// deviceSite serves the manager's pages with each request's remote
// address taken from an X-Test-Addr header, so one test plays many
// addresses.
func (e *env) deviceSite() *httptest.Server {
	return e.deviceSiteVia(func(r *http.Request, addr string) *http.Request {
		r.RemoteAddr = addr + ":40000"
		return r
	})
}

// deviceSiteVia is deviceSite with arrive saying how a visitor at addr
// (the X-Test-Addr header) reaches the pages.
func (e *env) deviceSiteVia(arrive func(r *http.Request, addr string) *http.Request) *httptest.Server {
	mux := http.NewServeMux()
	e.m.Mount(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("X-Test-Addr"); a != "" {
			r = arrive(r, a)
		}
		mux.ServeHTTP(w, r)
	}))
	e.t.Cleanup(srv.Close)
	return srv
}

// deviceUser is a signed-in browser at one address.
type deviceUser struct {
	e    *env
	site *httptest.Server
	c    *http.Client
	addr string
	csrf string
}

func (e *env) deviceUser(site *httptest.Server, name, addr string) *deviceUser {
	e.t.Helper()
	if name != "Alice" {
		_, err := e.m.CreateUser(context.Background(), UserSpec{Username: name, Password: alicePassword})
		must(e.t, err)
	}
	u := &deviceUser{e: e, site: site, c: testsupport.NewClient(), addr: addr}
	_, body := u.do("GET", loginURL("/device"), nil)
	resp, body := u.do("POST", "/login", url.Values{"csrf_token": {csrfFrom(e.t, body)},
		"return_to": {"/device"}, "username": {name}, "password": {alicePassword}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d %s", name, resp.StatusCode, body)
	}
	_, body = u.do("GET", "/device", nil)
	u.csrf = csrfFrom(e.t, body)
	return u
}

func (u *deviceUser) do(method, path string, form url.Values) (*http.Response, string) {
	u.e.t.Helper()
	req, _ := http.NewRequest(method, u.site.URL+path, strings.NewReader(form.Encode()))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Test-Addr", u.addr)
	resp, err := u.c.Do(req)
	must(u.e.t, err)
	return resp, readBody(u.e.t, resp)
}

// enter looks a user code up (POST /device without decision).
func (u *deviceUser) enter(code string) int {
	resp, _ := u.do("POST", "/device", url.Values{"csrf_token": {u.csrf}, "user_code": {code}, "decision": {""}})
	return resp.StatusCode
}

// Device verification must not lock everyone out (issue 16): 105 wrong
// user codes from 21 addresses used to trip a global limit that then
// refused a victim's valid code. Wrong codes are limited per address and
// per signed-in user; the global breaker only delays lookups, and a
// valid code still goes through.
func TestAttackDeviceGuessersCannotLockOutVictim(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var delays []time.Duration
	e.m.deviceGuard.pause = func(_ context.Context, d time.Duration) {
		mu.Lock()
		delays = append(delays, d)
		mu.Unlock()
	}
	site := e.deviceSite()
	ctx := context.Background()
	must(t, e.store.CreateDeviceCode(ctx, authcore.DeviceCode{Hash: "h-victim", UserCode: "DDDDFFFF",
		ClientID: "c1", Scopes: []string{"openid"}, Status: authcore.DevicePending, Interval: 5 * time.Second,
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(10 * time.Minute)}))
	for i := range 21 {
		a := e.deviceUser(site, fmt.Sprintf("mallory%d", i), fmt.Sprintf("198.51.100.%d", i+1))
		for j := range 5 {
			if got := a.enter("BBBB-BBBB"); got != http.StatusBadRequest {
				t.Fatalf("attacker %d guess %d: %d", i, j, got)
			}
		}
		if got := a.enter("BBBB-BBBC"); got != http.StatusTooManyRequests {
			t.Fatalf("attacker %d past the address limit: %d", i, got)
		}
	}
	victim := e.deviceUser(site, "Alice", "203.0.113.9")
	if got := victim.enter("DDDD-FFFF"); got != http.StatusOK {
		t.Fatalf("victim with a valid code after the flood: %d, want the confirmation page", got)
	}
	mu.Lock()
	n := len(delays)
	mu.Unlock()
	if n == 0 || delays[n-1] != deviceBreakerDelay {
		t.Fatalf("the tripped breaker did not delay the lookup: %v", delays)
	}
}

// One signed-in user guessing from several addresses is stopped by the
// per-user limit, with a Retry-After; the window's end lets them in again.
func TestDeviceGuessingLimitedPerUser(t *testing.T) {
	e := newEnv(t)
	e.m.deviceGuard.pause = func(context.Context, time.Duration) {}
	site := e.deviceSite()
	var got []int
	for i := range 3 {
		u := e.deviceUser(site, "Alice", fmt.Sprintf("198.51.100.%d", i+1))
		for range 4 {
			got = append(got, u.enter("BBBB-BBBB"))
		}
	}
	want := []int{400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 429, 429}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("answers %v, want %v (%d per user)", got, want, deviceUserMaxFailures)
	}
	u := e.deviceUser(site, "Alice", "198.51.100.99")
	resp, _ := u.do("POST", "/device", url.Values{"csrf_token": {u.csrf}, "user_code": {"BBBB-BBBB"}, "decision": {""}})
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != 429 || err != nil || s < 1 || s > int(deviceWindow.Seconds())+1 {
		t.Fatalf("fresh address, same user: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clock.Advance(deviceWindow)
	if got := u.enter("BBBB-BBBB"); got != 400 {
		t.Fatalf("after the window: %d", got)
	}
}
