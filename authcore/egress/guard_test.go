package egress

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBlocked(t *testing.T) {
	for _, tc := range []struct {
		ip      string
		blocked bool
	}{
		{"127.0.0.1", true}, {"127.1.2.3", true}, {"::1", true}, {"10.1.2.3", true}, {"172.16.0.1", true},
		{"172.31.255.255", true}, {"192.168.1.1", true}, {"169.254.169.254", true}, {"fe80::1", true},
		{"fc00::1", true}, {"fd12:3456::1", true}, {"0.0.0.0", true}, {"0.1.2.3", true}, {"::", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"64:ff9b::7f00:1", true}, {"64:ff9b::a00:1", true},
		{"100.64.0.1", true}, {"224.0.0.1", true}, {"ff02::1", true}, {"255.255.255.255", true}, {"198.18.0.1", true},
		{"93.184.216.34", false}, {"8.8.8.8", false}, {"2606:4700::1", false}, {"172.32.0.1", false},
		{"::ffff:93.184.216.34", false}, {"64:ff9b::5db8:d822", false},
	} {
		if got := Blocked(netip.MustParseAddr(tc.ip)); got != tc.blocked {
			t.Errorf("Blocked(%s) = %v, want %v", tc.ip, got, tc.blocked)
		}
	}
	if !Blocked(netip.Addr{}) {
		t.Error("the zero address must be blocked")
	}
}

// target is a loopback server counting its hits; "/redirect" answers 302
// to "/elsewhere" and "/slow" answers after a second.
func target(t *testing.T) (*httptest.Server, *atomic.Int64, *atomic.Int64) {
	var hits, elsewhere atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/elsewhere":
			elsewhere.Add(1)
		case "/slow":
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(ts.Close)
	return ts, &hits, &elsewhere
}

// A name resolving to 127.0.0.1 ("localhost") and the literal address
// are refused at dial time while the guard is on, and nothing reaches
// the server; allowed once private targets are; redirects are not
// followed; a slow answer times out.
func TestGuardedClient(t *testing.T) {
	ts, hits, elsewhere := target(t)
	port := ts.URL[strings.LastIndex(ts.URL, ":"):]
	var g Guard
	c := g.NewClient(300 * time.Millisecond)
	for _, u := range []string{"http://localhost" + port + "/", ts.URL + "/"} {
		resp, err := c.Post(u, "application/x-www-form-urlencoded", strings.NewReader("logout_token=x"))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: guard let the request through (%d)", u, resp.StatusCode)
		}
		if !IsBlocked(err) {
			t.Fatalf("%s: %v, want a blocked dial", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the loopback server", n)
	}
	g.SetAllowPrivate(true)
	resp, err := c.Post("http://localhost"+port+"/", "application/x-www-form-urlencoded", strings.NewReader("logout_token=x"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("allowed private target: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = c.Get(ts.URL + "/redirect")
	if err != nil || resp.StatusCode != http.StatusFound || elsewhere.Load() != 0 {
		t.Fatalf("redirect: %v %v, %d hits elsewhere", resp, err, elsewhere.Load())
	}
	resp.Body.Close()
	start := time.Now()
	if resp, err := c.Get(ts.URL + "/slow"); err == nil {
		resp.Body.Close()
		t.Fatal("a slow answer did not time out")
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Fatalf("timeout took %v", d)
	}
	g.SetAllowPrivate(false)
	if resp, err := c.Get(ts.URL + "/"); err == nil || !IsBlocked(err) {
		if resp != nil {
			resp.Body.Close()
		}
		t.Fatalf("after disallowing again: %v", err)
	}
}
