package cli

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/audit/monitor"
	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/keys"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/internal/gcfloor"
	"github.com/latchkey/latchkey/internal/tracing"
	"github.com/latchkey/latchkey/internal/walsync"
)

// serveFlags are the flags of `serve` and of the desktop window.
type serveFlags struct {
	common
	addr         string
	issuer       string
	tlsCert      string
	tlsKey       string
	tlsAuto      bool
	insecureHTTP bool
	auditKeep    time.Duration
	auditMirror  string
	rateClient   string
	rateIP       string
	signingAlgs  string
	keyRotation  time.Duration
	tlsClientCA  string         // --tls-client-ca, serve_mtls.go
	registration string         // --registration
	dpopNonce    bool           // --dpop-nonce
	migrate      bool           // --migrate
	bcPrivate    bool           // --backchannel-allow-private
	diskReserve  byteSize       // --disk-reserve, state_flags.go
	acceptEmpty  bool           // --accept-empty-store
	pprof        bool           // --pprof, serve_pprof.go
	clientCAs    *x509.CertPool // loaded from it

	trustedProxies string    // --trusted-proxies, serve_admin.go
	otelEndpoint   string    // --otel-endpoint, serve_trace.go
	node           nodeFlags // --drain-delay: serve_node.go
	ciba           cibaFlags // --ciba-*: serve_ciba.go
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	f.ciba.register(fs) // serve_ciba.go
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8421", "address to listen on (host:port)")
	fs.StringVar(&f.issuer, "issuer", "", "issuer URL; default: the scheme and address it listens on")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.BoolVar(&f.tlsAuto, "tls-auto", false, "make a local CA and a certificate in the data directory")
	fs.StringVar(&f.registration, "registration", "off", `dynamic client registration (RFC 7591): "off", "token" (needs an initial access token: latchkey client registration-token) or "open"`)
	fs.BoolVar(&f.migrate, "migrate", false, "apply pending schema migrations of the --store PostgreSQL database before serving (else a database older than this binary is refused)")
	fs.BoolVar(&f.dpopNonce, "dpop-nonce", false, "require DPoP server nonces (RFC 9449 §8) at the token endpoint")
	fs.BoolVar(&f.bcPrivate, "backchannel-allow-private", false, "let back-channel logout reach loopback and private addresses for dynamically registered clients too (clients an administrator registers always may)")
	fs.StringVar(&f.tlsClientCA, "tls-client-ca", "", `request TLS client certificates for mTLS client authentication and certificate-bound tokens (RFC 8705): a PEM file of the CAs tls_client_auth trusts, "system", or "self-signed" (self_signed_tls_client_auth only)`)
	fs.StringVar(&f.trustedProxies, "trusted-proxies", "", "reverse proxies in front of this server (CIDR prefixes or addresses, comma-separated): requests from them are never treated as local; on a non-loopback issuer any request with Forwarded/X-Forwarded-* headers is not either; their X-Forwarded-For names the client for rate limits and audit events")
	fs.BoolVar(&f.insecureHTTP, "insecure-http", false, "allow plain HTTP on a non-loopback address (never in production)")
	fs.StringVar(&f.rateClient, "token-rate-per-client", "2000/s", `ceiling on /token, /revoke, /introspect per client ("N/s", "N/m" or "off"); failed authentications are throttled regardless`)
	fs.StringVar(&f.rateIP, "token-rate-per-ip", "2000/s", `the same ceiling per remote IP`)
	fs.StringVar(&f.signingAlgs, "signing-algs", strings.Join(keys.DefaultAlgorithms, ","), "signing algorithms kept active, comma-separated (ES256, RS256, PS256, EdDSA); the first is the default; OpenID Connect requires RS256 to be among them")
	fs.DurationVar(&f.keyRotation, "key-rotation", 30*24*time.Hour, "how long a signing key signs before a staged rotation replaces it")
	fs.DurationVar(&f.auditKeep, "audit-retention", 90*24*time.Hour, "how long audit events are kept")
	f.registerStorage(fs) // state_flags.go
	f.registerDebug(fs)   // serve_pprof.go
	f.registerTracing(fs) // serve_trace.go
	f.node.register(fs)   // serve_node.go
	fs.StringVar(&f.auditMirror, "audit-mirror", "", `also write audit events as JSON lines to this file ("-" for stdout)`)
}

// auditOptions opens the audit mirror the flags name.
func (f *serveFlags) auditOptions() (auditOptions, error) {
	ao := auditOptions{retention: f.auditKeep}
	switch f.auditMirror {
	case "":
	case "-":
		ao.mirror = os.Stdout
	default:
		file, err := os.OpenFile(f.auditMirror, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return ao, fmt.Errorf("--audit-mirror: %w", err)
		}
		ao.mirror, ao.closer = file, file
	}
	return ao, nil
}

// instance is a running server with its console.
type instance struct {
	log     zerolog.Logger
	state   *state
	srv     *server.Server
	app     *app.App
	http    *http.Server
	ln      net.Listener
	admin   *adminPort // the CLI's loopback admin path, serve_admin.go
	tracing *tracing.Tracing
	issuer  string
	dataDir string
	cancel  context.CancelFunc
	done    chan error
	// shutdownTimeout overrides the package's shutdownTimeout (tests).
	shutdownTimeout time.Duration
	// drainDelay is how long /readyz answers 503 before the listener
	// stops (--drain-delay).
	drainDelay time.Duration
}

// start opens the data directory, builds the server and console, and
// starts listening. mode is "serve" or "desktop".
func start(f *serveFlags, console fs.FS, mode string) (*instance, error) {
	log, err := f.logger()
	if err != nil {
		return nil, err
	}
	log = log.With().Str("node", f.nodeID()).Logger()
	gc := gcfloor.Start(gcfloor.DefaultHeadroom) // a small live heap collects no more often than a large one
	dataDir, err := f.ensureDataDir()
	if err != nil {
		return nil, err
	}
	tlsCfg, err := f.tlsConfig(dataDir, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", f.addr)
	if errors.Is(err, syscall.EACCES) {
		return nil, fmt.Errorf("listen on %s: %w; a port below 1024 needs CAP_NET_BIND_SERVICE (for the latchkey-server service, the drop-in its unit file shows)", f.addr, err)
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
		ln = tls.NewListener(ln, tlsCfg)
	}
	issuer := f.issuer
	if issuer == "" {
		issuer = scheme + "://" + ln.Addr().String()
	}
	issuer = strings.TrimSuffix(issuer, "/")

	ao, err := f.auditOptions()
	if err != nil {
		ln.Close()
		return nil, err
	}
	st, err := openState(&f.common, dataDir, f.migrate, log, stateOptions{audit: ao, reserve: uint64(f.diskReserve), acceptEmpty: f.acceptEmpty})
	if errors.Is(err, badger.ErrLocked) || errors.Is(err, errInUse) {
		err = fmt.Errorf("%w\nStop that process, or use another --data directory", err)
	}
	if err != nil {
		ln.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	fail := func(err error) (*instance, error) {
		cancel()
		st.close()
		ln.Close()
		return nil, err
	}
	switch f.registration {
	case "", "off", "token", "open":
	default:
		return fail(fmt.Errorf(`--registration: want "off", "token" or "open", got %q`, f.registration))
	}
	if f.registration == "" {
		f.registration = "off"
	}
	loc, proxies, err := f.locality(issuer) // serve_admin.go
	if err != nil {
		return fail(err)
	}
	if _, _, err := parseRate("--token-rate-per-client", f.rateClient); err != nil {
		return fail(err)
	}
	if _, _, err := parseRate("--token-rate-per-ip", f.rateIP); err != nil {
		return fail(err)
	}
	ciba, err := f.ciba.config() // serve_ciba.go
	if err != nil {
		return fail(err)
	}
	srv, err := server.New(ctx, server.Config{
		// The flags seed the policy's defaults; what an administrator
		// saved in Settings wins (server.Policy).
		Policy:        server.Policy{TokenRateClient: f.rateClient, TokenRateIP: f.rateIP, AuditRetention: f.auditKeep},
		KeyAlgorithms: splitList(f.signingAlgs), KeyRotationPeriod: f.keyRotation,
		Issuer:         issuer,
		Store:          st.store,
		Audit:          st.audit,
		Logger:         log,
		SecureCookies:  tlsCfg != nil,
		GatewayMetrics: newGatewayMetrics(st.metrics.Registry(), st.timeline),
		MTLS:           f.mtls(tlsCfg), // RFC 8705, serve_mtls.go
		Registration:   oauth.RegistrationConfig{Enabled: f.registration != "off", Open: f.registration == "open"},
		DPoP:           oauth.DPoPConfig{RequireNonce: f.dpopNonce},
		Housekeeping:   st.housekeeping(),

		BackchannelAllowPrivate: f.bcPrivate,
		CIBA:                    ciba,
		NodeID:                  f.nodeID(), NodeVersion: app.Version, NodeAddress: ln.Addr().String(),
	})
	if err != nil {
		return fail(err)
	}
	if err := app.EnsureConsoleClient(ctx, srv); err != nil {
		return fail(err)
	}
	admin, err := listenAdmin() // serve_admin.go
	if err != nil {
		return fail(err)
	}
	token, err := writeAdminFile(dataDir, admin.url())
	if err != nil {
		admin.close()
		return fail(err)
	}
	a := app.New(app.Config{
		Server: srv, Logger: log, Audit: st.audit, Timeline: st.timeline, Alerts: st.alerts,
		Info: app.Info{
			Issuer: issuer, Addresses: []string{ln.Addr().String()}, TLS: tlsCfg != nil,
			TLSAuto: tlsCfg != nil && f.tlsAuto && f.tlsCert == "" && f.tlsKey == "",
			DataDir: dataDir, Store: f.describeStore(dataDir), Mode: mode, StartedAt: time.Now(),
		},
	})
	registerNodeInfo(st.metrics.Registry(), srv.Node().ID, app.Version)
	root := http.NewServeMux()
	root.Handle("GET /metrics", localOnly(loc, st.metrics.Handler()))
	mountPprof(root, loc, f.pprof)
	root.Handle("/console/", app.Handler(a, app.ConsoleConfig{
		Assets: console, Hosts: hostAliases(ln.Addr().String(), issuer),
		AdminToken: token, Locality: loc, Logger: log,
	}))
	admin.backup = backupHandler(st, token, log) // backup.go
	admin.serve(a, issuer, token, log)
	root.Handle("/console", http.RedirectHandler("/console/", http.StatusSeeOther))
	root.Handle("/", srv.Handler())
	tr, err := f.tracing(ctx) // serve_trace.go
	if err != nil {
		admin.close()
		return fail(err)
	}
	in := &instance{
		log: log, state: st, srv: srv, app: a, ln: ln, admin: admin, issuer: issuer, dataDir: dataDir,
		cancel: cancel, done: make(chan error, 1), tracing: tr,
		http: &http.Server{
			Handler:           tr.Handler(server.ProxyMiddleware(log, proxies, instrument(st.metrics, root))),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    server.MaxHeaderBytes,
			ErrorLog:          nil,
		},
	}
	if mode == "serve" { // a window closing has no load balancer to tell
		in.drainDelay = f.node.drainDelay
	}
	in.http.RegisterOnShutdown(srv.Feed.Close) // streams end when the shutdown starts
	st.lead(srv.Leader)                        // before Run takes the lease
	go srv.Run(ctx)
	period := f.keyRotation
	if period == 0 {
		period = keys.DefaultRotationPeriod
	}
	go watchKeys(ctx, srv.Keys, st.metrics, st.alerts, period, srv.Leader)
	go func() { in.done <- in.http.Serve(ln) }()
	ev := log.Info().Str("issuer", issuer).Str("addr", ln.Addr().String()).Str("data", dataDir).Str("store", f.describeStore(dataDir))
	if f.store == "" {
		ev = ev.Str("sync", walsync.Method()) // how Badger's store and audit log reach the disk
	}
	ev.Str("gc", gc).Bool("tls", tlsCfg != nil).Str("console", issuer+"/console/").Msg("latchkey listening")
	return in, nil
}

// shutdownTimeout bounds a shutdown (SIGTERM, or the window closing):
// in-flight requests get all of it but the last closeReserve, closing the
// data directory the rest.
const (
	shutdownTimeout = 10 * time.Second
	closeReserve    = 3 * time.Second
)

// errShutdownIncomplete is returned by stop when the data directory could
// not be closed in time.
var errShutdownIncomplete = errors.New("shutdown incomplete: the data directory could not be closed in time")

// stop shuts the listener down gracefully and closes the store, within
// in.shutdownTimeout (shutdownTimeout when zero). The revocation feed's
// streams end as soon as the shutdown starts; requests still running at
// the drain deadline, slow uploads among them, are cut. A data directory
// that cannot be written (a full disk, removed or read-only) makes the
// close hang in Badger's flush retries; stop then gives up at the
// deadline, says what may not have been written and returns
// errShutdownIncomplete, so the process exits non-zero.
func (in *instance) stop() error {
	timeout := in.shutdownTimeout
	if timeout <= 0 {
		timeout = shutdownTimeout
	}
	deadline := time.Now().Add(timeout)
	drain, cancel := context.WithDeadline(context.Background(), deadline.Add(-min(closeReserve, timeout/3)))
	defer cancel()
	in.drain(drain) // serve_drain.go: /readyz 503 first
	if err := in.http.Shutdown(drain); err != nil {
		in.log.Warn().Err(err).Msg("requests still running at the shutdown deadline were cut")
		_ = in.http.Close()
	}
	in.admin.close()
	in.cancel()
	_ = in.tracing.Shutdown(drain) // export the last spans
	_ = os.Remove(filepath.Join(in.dataDir, adminFileName))
	closed := make(chan error, 1)
	go func() { closed <- in.state.close() }()
	select {
	case err := <-closed:
		if err != nil {
			in.log.Error().Err(err).Msg("closing the data directory")
			return err
		}
	case <-time.After(time.Until(deadline)):
		in.log.Error().Str("data", in.dataDir).Msg("shutdown: the data directory could not be closed in time " +
			"(is it full, removed or read-only?); every acknowledged change was already synced, but audit events " +
			"still queued and the store's last memtable may not be on disk. Run `latchkey store check` before the next start")
		return errShutdownIncomplete
	}
	in.log.Info().Msg("latchkey stopped")
	return nil
}

// hostAliases lists the Host values the admin API accepts.
func hostAliases(addr, issuer string) []string {
	_, port, _ := net.SplitHostPort(addr)
	hosts := []string{addr, "127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port}
	if u := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://"); u != "" {
		hosts = append(hosts, strings.SplitN(u, "/", 2)[0])
	}
	return hosts
}

// adminFileName holds the running server's loopback admin URL and token.
const adminFileName = "admin.json"

type adminFile struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// writeAdminFile writes a fresh admin token for the CLI, readable only by
// the owner.
func writeAdminFile(dataDir, url string) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b[:])
	body, _ := json.Marshal(adminFile{URL: url, Token: token, PID: os.Getpid()})
	path := filepath.Join(dataDir, adminFileName)
	if err := os.WriteFile(path+".tmp", body, 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return token, os.Rename(path+".tmp", path)
}

// instrument counts and times requests per endpoint. The label is the
// path for known endpoints and "other" for the rest, so a scan of random
// paths cannot grow the metric's cardinality.
func instrument(m *monitor.Metrics, h http.Handler) http.Handler {
	known := []string{"/authorize", "/token", "/revoke", "/introspect", "/userinfo", "/jwks.json",
		"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server",
		"/login", "/logout", "/consent", "/par", "/device_authorization", "/register", "/end_session", "/bc-authorize"}
	byPath := make(map[string]http.Handler, len(known))
	for _, p := range known {
		byPath[p] = m.Instrument(p, h)
	}
	console, demo, other := m.Instrument("/console", h), m.Instrument("/demo/api", h), m.Instrument("other", h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case byPath[p] != nil:
			byPath[p].ServeHTTP(w, r)
		case strings.HasPrefix(p, "/console"):
			console.ServeHTTP(w, r)
		case strings.HasPrefix(p, "/demo/api/"):
			demo.ServeHTTP(w, r)
		default:
			other.ServeHTTP(w, r)
		}
	})
}

// splitList splits a comma-separated flag value; empty gives nil.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseRate reads "N/s", "N/m", "N/h", "off" (no ceiling) or "" (the
// server's default).
func parseRate(flagName, v string) (rate.Limit, int, error) {
	switch v {
	case "off":
		return rate.Inf, 0, nil
	case "":
		return 0, 0, nil
	}
	l, b, err := gateway.ParseRate(v)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v", flagName, err)
	}
	return l, 2 * b, nil
}

// tlsConfig returns nil for plain HTTP, or the TLS configuration the flags
// ask for. Plain HTTP on a non-loopback address needs --insecure-http.
func (f *serveFlags) tlsConfig(dataDir string, log zerolog.Logger) (*tls.Config, error) {
	host, _, err := net.SplitHostPort(f.addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %q: %v", f.addr, err)
	}
	switch {
	case f.tlsCert != "" || f.tlsKey != "":
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		return f.requestClientCerts(server.TLSConfig(cert))
	case f.tlsAuto:
		hosts := []string{"localhost", "127.0.0.1", "::1"}
		if host != "" && host != "0.0.0.0" && host != "::" {
			hosts = append([]string{host}, hosts...)
		}
		auto, err := server.EnsureAutoTLS(filepath.Join(dataDir, "tls"), hosts, time.Now())
		if err != nil {
			return nil, err
		}
		log.Warn().Str("ca", auto.CAFile).Msgf("TLS with a local CA: trust it with `sudo cp %s /usr/local/share/ca-certificates/latchkey-ca.crt && sudo update-ca-certificates` (and import it in your browser)", auto.CAFile)
		return f.requestClientCerts(server.TLSConfig(auto.Certificate))
	}
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" || f.insecureHTTP {
		return nil, nil
	}
	return nil, fmt.Errorf("refusing plain HTTP on %s: tokens and passwords would cross the network in clear.\n"+
		"Use --tls-cert/--tls-key, or --tls-auto for a local CA, or --insecure-http if a TLS proxy sits in front", f.addr)
}
