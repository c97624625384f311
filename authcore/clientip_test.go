package authcore_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// Every per-address limit and audit event keys on DeriveClientIP: behind a
// trusted proxy, the right-most entry the proxies did not write themselves;
// from anyone else, the peer, whatever headers it sends.
func TestDeriveClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name, peer string
		xff, fwd   []string
		want       string
	}{
		{"direct, no headers", "192.0.2.1:5000", nil, nil, "192.0.2.1"},
		{"untrusted peer's X-Forwarded-For ignored", "192.0.2.1:5000", []string{"198.51.100.7"}, nil, "192.0.2.1"},
		{"untrusted peer's Forwarded ignored", "192.0.2.1:5000", nil, []string{"for=198.51.100.7"}, "192.0.2.1"},
		{"loopback peer not trusted", "127.0.0.1:5000", []string{"198.51.100.7"}, nil, "127.0.0.1"},
		{"trusted proxy, no header", "10.0.0.5:443", nil, nil, "10.0.0.5"},
		{"trusted proxy, one client", "10.0.0.5:443", []string{"203.0.113.9"}, nil, "203.0.113.9"},
		{"forged entries left of the real client", "10.0.0.5:443", []string{"1.1.1.1, 2.2.2.2", "203.0.113.9"}, nil, "203.0.113.9"},
		{"chain of trusted proxies skipped", "10.0.0.5:443", []string{"1.1.1.1, 203.0.113.9, 10.1.1.1"}, nil, "203.0.113.9"},
		{"entry with port", "10.0.0.5:443", []string{"203.0.113.9:4711"}, nil, "203.0.113.9"},
		{"IPv6 peer trusted", "[::1]:443", []string{"[2001:db8::1]:80"}, nil, "2001:db8::1"},
		{"IPv4-mapped entry unmapped", "10.0.0.5:443", []string{"::ffff:203.0.113.9"}, nil, "203.0.113.9"},
		{"unreadable entry: the nearest trusted hop", "10.0.0.5:443", []string{"junk, 10.1.1.1"}, nil, "10.1.1.1"},
		{"only trusted entries: the left-most", "10.0.0.5:443", []string{"10.2.2.2, 10.1.1.1"}, nil, "10.2.2.2"},
		{"Forwarded for=", "10.0.0.5:443", nil, []string{`for=1.1.1.1, for="[2001:db8::2]:80";proto=https`}, "2001:db8::2"},
		{"Forwarded obfuscated node", "10.0.0.5:443", nil, []string{"for=_hidden"}, "10.0.0.5"},
		{"both headers agree", "10.0.0.5:443", []string{"203.0.113.9"}, []string{"for=203.0.113.9"}, "203.0.113.9"},
		{"both headers disagree: the proxy", "10.0.0.5:443", []string{"203.0.113.9"}, []string{"for=198.51.100.7"}, "10.0.0.5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			for _, v := range c.fwd {
				r.Header.Add("Forwarded", v)
			}
			if got := authcore.DeriveClientIP(r, trusted); got != c.want {
				t.Errorf("DeriveClientIP = %q, want %q", got, c.want)
			}
		})
	}
}
