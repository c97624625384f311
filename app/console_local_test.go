package app_test

import (
	"crypto/tls"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app"
)

// Behind a reverse proxy on the same host every visitor arrives from
// loopback (issue 16, weak: loopback trusted behind a proxy). Locality is
// the one decision every loopback-only path takes (/metrics, first run,
// the CLI's admin token): on a non-loopback issuer a proxied request is
// remote, and a trusted proxy's address is always remote; first run only
// on a loopback issuer.
func TestLocality(t *testing.T) {
	proxies, err := app.ParseTrustedProxies("10.0.0.0/8, 127.0.0.2 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	public, local := "https://id.example.com", "http://127.0.0.1:8421"
	for _, tc := range []struct {
		name     string
		issuer   string
		proxies  []netip.Prefix
		remote   string
		header   map[string]string
		tls      bool
		local    bool
		firstRun bool
		hop      bool // SecureHop
	}{
		{name: "loopback, loopback issuer", issuer: local, remote: "127.0.0.1:5000", local: true, firstRun: true, hop: true},
		{name: "::1, loopback issuer", issuer: local, remote: "[::1]:5000", local: true, firstRun: true, hop: true},
		{name: "v4-mapped loopback", issuer: local, remote: "[::ffff:127.0.0.1]:5000", local: true, firstRun: true, hop: true},
		{name: "network peer", issuer: local, remote: "192.0.2.7:5000"},
		{name: "network peer over TLS", issuer: local, remote: "192.0.2.7:5000", tls: true, hop: true},
		{name: "garbage address", issuer: local, remote: "nonsense"},
		{name: "loopback issuer, forwarded header: still this machine", issuer: local, remote: "127.0.0.1:5000",
			header: map[string]string{"X-Forwarded-For": "198.51.100.1"}, local: true, firstRun: true, hop: true},
		{name: "loopback, public issuer", issuer: public, remote: "127.0.0.1:5000", local: true, hop: true},
		{name: "localhost issuer counts as loopback", issuer: "http://localhost:8421", remote: "127.0.0.1:5000", local: true, firstRun: true, hop: true},
		{name: "public issuer, X-Forwarded-For", issuer: public, remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-For": "198.51.100.1"}, hop: true},
		{name: "public issuer, X-Forwarded-Proto", issuer: public, remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-Proto": "https"}, hop: true},
		{name: "public issuer, X-Forwarded-Host", issuer: public, remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-Host": "id.example.com"}, hop: true},
		{name: "public issuer, Forwarded", issuer: public, remote: "127.0.0.1:5000", header: map[string]string{"Forwarded": "for=198.51.100.1"}, hop: true},
		{name: "public issuer, X-Real-IP", issuer: public, remote: "127.0.0.1:5000", header: map[string]string{"X-Real-Ip": "198.51.100.1"}, hop: true},
		{name: "public issuer, Via", issuer: public, remote: "127.0.0.1:5000", header: map[string]string{"Via": "1.1 nginx"}, hop: true},
		{name: "trusted proxy on loopback, no headers", issuer: public, proxies: proxies, remote: "127.0.0.2:5000", hop: true},
		{name: "trusted proxy ::1, loopback issuer", issuer: local, proxies: proxies, remote: "[::1]:5000", hop: true},
		{name: "loopback outside the trusted proxies", issuer: public, proxies: proxies, remote: "127.0.0.1:5000", local: true, hop: true},
		{name: "trusted proxy on the network, plain http", issuer: public, proxies: proxies, remote: "10.1.2.3:5000", hop: true},
		{name: "untrusted peer on the network, plain http", issuer: public, proxies: proxies, remote: "192.0.2.7:5000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := app.NewLocality(tc.issuer, tc.proxies)
			r := httptest.NewRequest("GET", "/metrics", nil)
			r.RemoteAddr = tc.remote
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			if got := l.Local(r); got != tc.local {
				t.Errorf("Local = %v, want %v", got, tc.local)
			}
			if got := l.FirstRun(r); got != tc.firstRun {
				t.Errorf("FirstRun = %v, want %v", got, tc.firstRun)
			}
			if got := l.SecureHop(r); got != tc.hop {
				t.Errorf("SecureHop = %v, want %v", got, tc.hop)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "127.0.0.1/8/8"} {
		if _, err := app.ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
}

// On a public issuer, the console's loopback-only paths refuse a request
// that came through a proxy on this host: the CLI's admin token, the
// first-run screen.
func TestConsoleAttackLoopbackThroughProxy(t *testing.T) {
	const pub = "https://id.example.com"
	a, _ := newAppWith(t, app.Info{Issuer: pub, Mode: "serve"})
	h := app.Handler(a, app.ConsoleConfig{Hosts: []string{"id.example.com", "127.0.0.1:8421"}, AdminToken: "s3cret-admin-token"})
	for _, tc := range []struct {
		name, method, authz string
		fwd                 bool
		status              int
	}{
		{"CLI token from this machine", "Status", "Bearer s3cret-admin-token", false, 200},
		{"CLI token through the proxy", "Status", "Bearer s3cret-admin-token", true, 403},
		{"first run through the proxy", "CreateFirstAdmin", "", true, 401},
		{"first run from this machine on a public issuer", "CreateFirstAdmin", "", false, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `[{"username":"eve","password":"correct horse battery"}]`
			if tc.method == "Status" {
				body = "[]"
			}
			r := httptest.NewRequest("POST", "/console/api/"+tc.method, strings.NewReader(body))
			r.RemoteAddr, r.Host = "127.0.0.1:5000", "id.example.com"
			r.Header.Set("Content-Type", "application/json")
			if tc.authz != "" {
				r.Header.Set("Authorization", tc.authz)
			}
			if tc.fwd {
				r.Header.Set("X-Forwarded-For", "198.51.100.1")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
		})
	}
	r := httptest.NewRequest("GET", "/console/api/config", nil)
	r.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if want := `"first_run":false`; !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("config on a public issuer offers first run: %s", rec.Body)
	}
}
