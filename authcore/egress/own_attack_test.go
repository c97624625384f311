package egress

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// The guard refuses the machine's own addresses even when they are
// public: back-channel logout to the host's own address would reach its
// own listeners just as loopback does. Judged on an injected list (so the
// test does not depend on this machine's interfaces), in every spelling,
// and failing closed when the list cannot be read.
func TestGuardAttackOwnAddressInjected(t *testing.T) {
	list := func(cidrs ...string) func() ([]net.Addr, error) {
		return func() ([]net.Addr, error) {
			var out []net.Addr
			for _, c := range cidrs {
				ip, n, err := net.ParseCIDR(c)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, &net.IPNet{IP: ip, Mask: n.Mask})
			}
			return out, nil
		}
	}
	g := &Guard{InterfaceAddrs: list("127.0.0.1/8", "203.0.113.9/24", "2001:db8::5/64", "fe80::1/64")}
	for _, addr := range []string{"203.0.113.9:443", "[::ffff:203.0.113.9]:443", "[2001:db8::5]:80", "[2001:db8::5%eth0]:80"} {
		if err := g.Control("tcp", addr, nil); !IsBlocked(err) {
			t.Errorf("Control(%s) = %v, want blocked as an own address", addr, err)
		}
	}
	// Neighbours on the same networks are not the machine itself.
	for _, addr := range []string{"203.0.113.10:443", "[2001:db8::6]:80"} {
		if err := g.Control("tcp", addr, nil); err != nil {
			t.Errorf("Control(%s) = %v, want allowed", addr, err)
		}
	}
	broken := &Guard{InterfaceAddrs: func() ([]net.Addr, error) { return nil, errors.New("netlink: permission denied") }}
	if err := broken.Control("tcp", "203.0.113.10:443", nil); !IsBlocked(err) {
		t.Errorf("unreadable interface list: %v, want blocked (fail closed)", err)
	}
	g.SetAllowPrivate(true)
	if err := g.Control("tcp", "203.0.113.9:443", nil); err != nil {
		t.Errorf("with private targets allowed: %v", err)
	}
}

// With the real interface list: it holds loopback, and every own address
// that Blocked alone lets through (192.0.2.2 on the CI machine) serves a
// plain client but is refused by the guard, with nothing reaching the
// server.
func TestGuardAttackOwnAddressReal(t *testing.T) {
	own, err := ownAddrs(nil)
	if err != nil {
		t.Fatal(err)
	}
	hasLoopback := false
	for _, ip := range own {
		hasLoopback = hasLoopback || ip == netip.MustParseAddr("127.0.0.1")
	}
	if !hasLoopback {
		t.Fatalf("net.InterfaceAddrs lacks 127.0.0.1: %v", own)
	}
	var g Guard
	c := g.NewClient(0)
	tested := 0
	for _, ip := range own {
		if Blocked(ip) {
			continue
		}
		var hits int
		ts := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
		ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
		if err != nil {
			t.Fatalf("listen on own address %s: %v", ip, err)
		}
		ts.Listener = ln
		ts.Start()
		resp, err := http.Get(ts.URL)
		if err != nil {
			t.Fatalf("plain client to %s: %v", ts.URL, err)
		}
		resp.Body.Close()
		if resp, err := c.Get(ts.URL); !IsBlocked(err) {
			if resp != nil {
				resp.Body.Close()
			}
			t.Errorf("guarded client to own address %s: %v, want blocked", ts.URL, err)
		}
		ts.Close()
		if hits != 1 {
			t.Errorf("%s: %d hits, want only the plain client's", ip, hits)
		}
		tested++
	}
	t.Logf("own addresses not blocked by range: %d tested (of %v)", tested, own)
}
