package login

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// deviceSiteBehindProxy serves the pages as the server does behind a
// trusted reverse proxy on 127.0.0.1: every request arrives from the
// proxy, the visitor's address in X-Forwarded-For, and the middleware
// derives the client address (authcore.DeriveClientIP).
func (e *env) deviceSiteBehindProxy() *httptest.Server {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	return e.deviceSiteVia(func(r *http.Request, addr string) *http.Request {
		r.Header.Set("X-Forwarded-For", addr)
		return r.WithContext(authcore.WithClientIP(r.Context(), authcore.DeriveClientIP(r, trusted)))
	})
}

// Behind a trusted proxy the device verification limit per address keys
// on the visitor, not on the proxy: one guesser behind it is stopped,
// and a victim behind the same proxy still enters a valid code (the
// device-lockout defect of issue 16 must not come back through a proxy).
func TestAttackDeviceGuesserBehindProxyCannotLockOutVictim(t *testing.T) {
	e := newEnv(t)
	e.m.deviceGuard.pause = func(context.Context, time.Duration) {}
	site := e.deviceSiteBehindProxy()
	ctx := context.Background()
	must(t, e.store.CreateDeviceCode(ctx, authcore.DeviceCode{Hash: "h-victim", UserCode: "DDDDFFFF",
		ClientID: "c1", Scopes: []string{"openid"}, Status: authcore.DevicePending, Interval: 5 * time.Second,
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(10 * time.Minute)}))
	mallory := e.deviceUser(site, "mallory", "198.51.100.1")
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		limited = mallory.enter("BBBB-BBBB") == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("the guesser behind the proxy was never limited")
	}
	victim := e.deviceUser(site, "Alice", "203.0.113.9")
	if got := victim.enter("DDDD-FFFF"); got != http.StatusOK {
		t.Fatalf("victim behind the same proxy: %d, want the confirmation page", got)
	}
}
