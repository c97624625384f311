package cli

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// The CLI reaches a running server through a loopback admin port that
// admin.json records, whatever the main listener's address and however
// it treats loopback (issue 16, weak: the CLI cannot reach a server on a
// non-loopback address). Here the main listener treats every loopback
// peer as a proxy (--trusted-proxies 127.0.0.1): its /metrics and its
// admin-token path refuse this machine, and the CLI still works.
func TestCLIAdminPortAlwaysLoopback(t *testing.T) {
	in, af, data := startAdmin(t, "127.0.0.1/32")
	u, err := url.Parse(af.URL)
	if err != nil || u.Hostname() != "127.0.0.1" || af.URL == in.issuer {
		t.Fatalf("admin.json URL %q (issuer %s): want a loopback admin port of its own", af.URL, in.issuer)
	}
	code, out, errOut := runCLI(t, "", "scope", "create", "--data", data, "--name", "orders:write", "--description", "Place orders")
	if code != 0 || !strings.Contains(out, "orders:write") {
		t.Fatalf("CLI through the admin port: %d %s %s", code, out, errOut)
	}
	// The main listener: loopback is a proxy here.
	for path, method := range map[string]string{"/metrics": "GET", "/console/api/Status": "POST"} {
		req, _ := http.NewRequest(method, in.issuer+path, strings.NewReader("[]"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+af.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s from a trusted proxy's address: %d, want 403", path, resp.StatusCode)
		}
	}
	// The admin port serves the console API only.
	for _, path := range []string{"/metrics", "/console/", "/authorize"} {
		resp, err := http.Get(af.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s on the admin port: %d", path, resp.StatusCode)
		}
	}
}

// startAdmin starts a server on a loopback address behind the given
// trusted proxies and returns it with the admin.json it wrote and its data
// directory; the server stops when the test ends.
func startAdmin(t *testing.T, trustedProxies string) (*instance, adminFile, string) {
	t.Helper()
	data := t.TempDir()
	f := serveFlags{addr: "127.0.0.1:0", trustedProxies: trustedProxies}
	f.common = common{data: data, logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.stop() })
	raw, err := os.ReadFile(filepath.Join(data, adminFileName))
	if err != nil {
		t.Fatal(err)
	}
	var af adminFile
	if err := json.Unmarshal(raw, &af); err != nil {
		t.Fatal(err)
	}
	return in, af, data
}

// On a public issuer, /metrics refuses a request that came through a
// proxy on this host (a forwarding header), and --trusted-proxies must be
// CIDR prefixes or addresses.
func TestMetricsThroughProxy(t *testing.T) {
	f := serveFlags{addr: "127.0.0.1:0", issuer: "https://id.example.com"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	base := "http://" + in.ln.Addr().String()
	for _, tc := range []struct {
		header map[string]string
		status int
	}{
		{nil, 200},
		{map[string]string{"X-Forwarded-For": "198.51.100.1"}, 403},
		{map[string]string{"Forwarded": "for=198.51.100.1;proto=https"}, 403},
	} {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("/metrics with %v: %d, want %d", tc.header, resp.StatusCode, tc.status)
		}
	}
	code, _, errOut := runCLI(t, "", "serve", "--data", t.TempDir(), "--trusted-proxies", "10.0.0.0/33")
	if code != 1 || !strings.Contains(errOut, "--trusted-proxies") {
		t.Fatalf("bad --trusted-proxies: %d %s", code, errOut)
	}
}
