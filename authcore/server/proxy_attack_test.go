package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// Behind a trusted reverse proxy every visitor arrives from the proxy's
// address. The failed-client-auth throttle must key on the real client
// (X-Forwarded-For), or one attacker behind the proxy locks every client
// out; and a peer that is not a trusted proxy must not dodge the throttle
// by rotating X-Forwarded-For.
func TestClientAuthThrottleBehindProxy(t *testing.T) {
	ctx := context.Background()
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := server.New(ctx, server.Config{Issuer: "http://127.0.0.1:1", Store: st, Logger: zerolog.Nop(),
		KeyAlgorithms: []string{"ES256"}, Policy: server.Policy{TokenRateClient: "off", TokenRateIP: "off"}})
	if err != nil {
		t.Fatal(err)
	}
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
	if err != nil {
		t.Fatal(err)
	}
	h := server.ProxyMiddleware(zerolog.Nop(), []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, srv.Handler())
	post := func(peer, xff, id, secret string) int {
		req := httptest.NewRequest("POST", "/token", strings.NewReader("grant_type=client_credentials"))
		req.RemoteAddr = peer
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		req.SetBasicAuth(id, secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// The attacker, behind the proxy, guesses secrets of made-up clients
	// until the throttle answers 429.
	throttled := false
	for i := 0; i < 40 && !throttled; i++ {
		throttled = post("10.0.0.5:443", "203.0.113.9", fmt.Sprintf("guess-%d", i), "x") == http.StatusTooManyRequests
	}
	if !throttled {
		t.Fatal("the attacker behind the proxy was never throttled")
	}
	if code := post("10.0.0.5:443", "198.51.100.7", c.ID, secret); code != http.StatusOK {
		t.Errorf("another client behind the same proxy got %d, want 200 (throttled by the proxy's address)", code)
	}
	// A direct peer's X-Forwarded-For is not believed: rotating it does
	// not reset the count.
	throttled = false
	for i := 0; i < 40 && !throttled; i++ {
		throttled = post("192.0.2.1:5000", fmt.Sprintf("198.18.0.%d", i), fmt.Sprintf("spoof-%d", i), "x") == http.StatusTooManyRequests
	}
	if !throttled {
		t.Error("a direct peer dodged the throttle by rotating X-Forwarded-For")
	}
}

// The middleware hands the derived address to audit events and to every
// limit (authcore.ClientIP).
func TestProxyMiddlewareClientIP(t *testing.T) {
	var gotAudit, gotClient string
	h := server.ProxyMiddleware(zerolog.Nop(), []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32")},
		http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			info, _ := audit.RequestFrom(r.Context())
			gotAudit, gotClient = info.RemoteIP, authcore.ClientIP(r)
		}))
	for _, c := range []struct{ peer, xff, want string }{
		{"10.0.0.5:443", "203.0.113.9", "203.0.113.9"},
		{"10.0.0.6:443", "203.0.113.9", "10.0.0.6"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr, gotAudit, gotClient = c.peer, "", ""
		req.Header.Set("X-Forwarded-For", c.xff)
		h.ServeHTTP(httptest.NewRecorder(), req)
		if gotAudit != c.want || gotClient != c.want {
			t.Errorf("peer %s: audit remote_ip %q, ClientIP %q, want %q", c.peer, gotAudit, gotClient, c.want)
		}
	}
}
