package app

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/audit/monitor"
	"github.com/latchkey/latchkey/authcore/server"
)

// Version is Latchkey's version, set at build time with
// -ldflags "-X github.com/latchkey/latchkey/app.Version=...".
var Version = "0.1.0-dev"

// Commit is the git commit the binary was built from, set by the Makefile
// with -ldflags "-X github.com/latchkey/latchkey/app.Commit=..."; when it
// is empty, `latchkey version` reads the toolchain's vcs.revision stamp.
var Commit = ""

// Info describes the running instance for the Dashboard.
type Info struct {
	Issuer    string
	Addresses []string
	TLS       bool
	// TLSAuto is set when TLS comes from the --tls-auto local CA.
	TLSAuto bool
	DataDir string
	// Store names where records live, its password already masked
	// ("badger DIR" or a postgres:// URL without its password).
	Store     string
	Mode      string // "desktop", "serve" or "cli"
	StartedAt time.Time
}

// Config is what the console API is built on.
type Config struct {
	Server *server.Server
	Info   Info
	Logger zerolog.Logger
	// Audit is the audit log the console reads; nil when the instance has
	// none (the audit screens then say so).
	Audit *audit.Log
	// Timeline and Alerts feed the Dashboard; optional.
	Timeline *monitor.Timeline
	Alerts   *monitor.Alerts
}

// App is the console's API. Create it with New.
type App struct {
	srv   *server.Server
	info  Info
	log   zerolog.Logger
	audit *audit.Log
	tl    *monitor.Timeline
	al    *monitor.Alerts
	now   func() time.Time
	ready *sync.Once
	flows *flowRuns
	// who is the person behind the current call, for audit events; empty
	// for the desktop window's local operator.
	who string
	// tok is the access token of the current browser call (console_token.go).
	tok *consoleToken
	// admins serialises changes that could leave no administrator.
	admins *sync.Mutex
	// base is the context of the current call (context.go); nil outside
	// a request.
	base context.Context
}

// New returns the console API described by cfg.
func New(cfg Config) *App {
	return &App{srv: cfg.Server, info: cfg.Info, log: cfg.Logger, audit: cfg.Audit,
		tl: cfg.Timeline, al: cfg.Alerts, now: time.Now, ready: new(sync.Once), admins: new(sync.Mutex),
		flows: &flowRuns{runs: map[string]*FlowRun{}}}
}

// Status is what the Dashboard shows about the running instance.
type Status struct {
	Issuer        string   `json:"issuer"`
	Addresses     []string `json:"addresses"`
	TLS           bool     `json:"tls"`
	DataDir       string   `json:"dataDir"`
	Store         string   `json:"store"`
	StartedAt     string   `json:"startedAt"`
	UptimeSeconds int64    `json:"uptimeSeconds"`
	Version       string   `json:"version"`
	DiscoveryURL  string   `json:"discoveryURL"`
	JWKSURL       string   `json:"jwksURL"`
	Mode          string   `json:"mode"`
	// NodeID is this node's id among those sharing the store.
	NodeID string `json:"nodeID"`
}

// Status reports the live facts of this instance.
func (a *App) Status() (Status, error) {
	addrs := a.info.Addresses
	if addrs == nil {
		addrs = []string{}
	}
	return Status{
		Issuer:        a.info.Issuer,
		Addresses:     addrs,
		TLS:           a.info.TLS,
		DataDir:       a.info.DataDir,
		Store:         a.info.Store,
		StartedAt:     a.info.StartedAt.UTC().Format(time.RFC3339),
		UptimeSeconds: int64(a.now().Sub(a.info.StartedAt) / time.Second),
		Version:       Version,
		DiscoveryURL:  a.info.Issuer + "/.well-known/openid-configuration",
		JWKSURL:       a.info.Issuer + "/jwks.json",
		Mode:          a.info.Mode,
		NodeID:        a.srv.Node().ID,
	}, nil
}

// Ready is called by the console once it has rendered real data; it logs
// "console ready" once, which the desktop test waits for.
func (a *App) Ready() error {
	a.ready.Do(func() { a.log.Info().Str("mode", a.info.Mode).Msg("console ready") })
	return nil
}

// as returns a view of a whose admin actions are attributed to who.
func (a *App) as(who string) *App {
	c := *a
	c.who = who
	return &c
}
