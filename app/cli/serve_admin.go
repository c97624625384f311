package cli

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore/server"
)

// adminPort is the loopback listener of the CLI's admin path. The main
// listener may sit on a LAN address, or behind a proxy that makes every
// visitor look local (--trusted-proxies); the CLI on the host reaches the
// server here instead, always over loopback, with the token of
// admin.json. admin.json records this listener's URL.
type adminPort struct {
	ln     net.Listener
	http   *http.Server
	backup http.Handler // POST /backup for latchkey backup (backup.go)
}

// listenAdmin opens the admin port on a free loopback port.
func listenAdmin() (*adminPort, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on a loopback admin port: %w", err)
	}
	return &adminPort{ln: ln}, nil
}

// url is the admin port's URL, for admin.json.
func (p *adminPort) url() string { return "http://" + p.ln.Addr().String() }

// serve answers the console API on the admin port. Only what comes
// straight from this machine counts as local there (no trusted proxies:
// no proxy forwards to this port); first run follows the same rule as the
// main listener.
func (p *adminPort) serve(a *app.App, issuer, token string, log zerolog.Logger) {
	mux := http.NewServeMux() // the API only: no console pages here
	mux.Handle("/console/api/", app.Handler(a, app.ConsoleConfig{Hosts: hostAliases(p.ln.Addr().String(), ""),
		AdminToken: token, Locality: app.NewLocality(issuer, nil), Logger: log}))
	if p.backup != nil {
		mux.Handle("POST "+backupPath, p.backup)
	}
	p.http = &http.Server{Handler: server.Middleware(log, mux), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, MaxHeaderBytes: server.MaxHeaderBytes}
	go func() { _ = p.http.Serve(p.ln) }()
}

// close stops the admin port.
func (p *adminPort) close() {
	if p.http != nil {
		_ = p.http.Close()
		return
	}
	_ = p.ln.Close()
}

// locality is the Locality of the main listener (the issuer and the
// --trusted-proxies) and the trusted proxies themselves, for the
// middleware that derives client addresses (server.ProxyMiddleware).
func (f *serveFlags) locality(issuer string) (*app.Locality, []netip.Prefix, error) {
	proxies, err := app.ParseTrustedProxies(f.trustedProxies)
	if err != nil {
		return nil, nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	return app.NewLocality(issuer, proxies), proxies, nil
}

// localOnly answers 403 to requests that are not from this machine
// (app.Locality): the metrics are for a local scraper, not the network
// or visitors coming through a proxy.
func localOnly(loc *app.Locality, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loc.Local(r) {
			http.Error(w, "served to this machine only", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}
