package egress

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// Address forms an SSRF payload uses to dodge a naive private-range
// check: every one must be blocked.
func TestBlockedAttackForms(t *testing.T) {
	for _, s := range []string{
		"::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254", "::ffff:0.0.0.0",
		"::7f00:1", "::a9fe:a9fe", "::a00:1", // IPv4-compatible (deprecated)
		"2002:7f00:1::1", "2002:a9fe:a9fe::1", "2002:a00:1::", // 6to4 around loopback, metadata, RFC 1918
		"64:ff9b::a9fe:a9fe", "64:ff9b:1::7f00:1", // NAT64, well-known and local-use
		"fec0::1", "fc00::1", "fdff:ffff::1", "fe80::1%eth0", "fe80::1", "ff02::1", "::", "::1",
		"0.0.0.0", "0.255.255.255", "100.64.0.1", "100.127.255.254", "169.254.169.254", "127.255.255.254",
		"240.0.0.1", "255.255.255.255", "224.0.0.251", "192.0.0.170",
	} {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !Blocked(ip) {
			t.Errorf("Blocked(%s) = false", s)
		}
	}
	for _, s := range []string{"2002:5db8:d822::1", "2001:4860:4860::8888", "1.1.1.1", "100.128.0.1", "64:ff9b::808:808"} {
		if Blocked(netip.MustParseAddr(s)) {
			t.Errorf("public %s blocked", s)
		}
	}
}

// The guard dials itself: HTTP_PROXY / HTTPS_PROXY / ALL_PROXY from the
// environment are ignored (a proxy would make the connection for it, past
// the dial-time check), and the Control hook sees a zone-scoped
// link-local address as blocked.
func TestGuardAttackIgnoresProxyEnv(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer proxy.Close()
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	var g Guard
	c := g.NewClient(0)
	// A public-looking name that does not resolve: with a proxy honoured,
	// the proxy (on loopback) would answer 200.
	resp, err := c.Get("http://latchkey-egress-test.invalid/")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("request through the environment's proxy answered %d", resp.StatusCode)
	}
	if n := proxied.Load(); n != 0 {
		t.Fatalf("%d requests went through HTTP_PROXY", n)
	}
	// And the loopback proxy itself is refused at dial time.
	if _, err := c.Get(proxy.URL); !IsBlocked(err) {
		t.Fatalf("loopback target: %v, want blocked", err)
	}
	for _, addr := range []string{"[fe80::1%25eth0]:80", "[fe80::1%eth0]:80", "[::ffff:127.0.0.1]:80", "not-an-address"} {
		if err := g.Control("tcp6", strings.ReplaceAll(addr, "%25", "%"), nil); !IsBlocked(err) {
			t.Errorf("Control(%s) = %v, want blocked", addr, err)
		}
	}
}
