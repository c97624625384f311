package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// Config configures a benchmark run.
type Config struct {
	Bin         string    // the latchkey binary
	Work        string    // an empty working directory (data dirs, logs)
	Plan        Plan      // warm-up, duration and runs of every figure
	Sizes       []int     // live-record counts of the scale figures, ascending
	AuditEvents int       // events in the audit figures
	Progress    io.Writer // progress lines
	PerfDir     string    // when set, perf profiles of the server per figure
	TraceDir    string    // when set, Go execution traces of the server per figure (serve --pprof)
	// Store, when set, is the postgres:// database every `latchkey
	// serve` of the run uses (--store, migrated on start); the scale
	// figures, which fill a Badger data directory directly, are skipped.
	Store string
	Open  OpenStore // the store the limits and scale figures open (lkbench passes Badger's)
	// ReferenceDir is node-oidc-provider's bench-only npm project
	// (ReferenceDir); "" leaves the reference server out and its targets
	// NOT MEASURED.
	ReferenceDir string
	// PG adds the store-sensitive figures on a private PostgreSQL
	// cluster (pgtest) beside Badger's.
	PG bool
	// Nodes are the node counts of the several-nodes figures (nodes.go):
	// client_credentials and refresh rotation on that many `latchkey
	// serve` processes sharing one PostgreSQL database. Empty: left out.
	Nodes []int
	// Only, when not empty, names the steps to run (limits, reference,
	// figures, rs256, postgres, nodes, audit, scale); the others are left
	// out and their figures print as not measured. For iterating on one
	// figure; a full run leaves it empty.
	Only []string
	// Figures, when not empty, names the figures of the figures step to
	// measure (their keys: cc8, introspect8, revoke8, ...); the others
	// are left out. For iterating on one figure, e.g. a tail latency.
	Figures []string
	// ScaleData, when set, keeps the scale step's filled data
	// directories there and reuses them in later runs (scalecache.go):
	// filling 10^6 records takes minutes.
	ScaleData string
}

// OpenStore opens the store implementation under measurement: dir "" is
// an in-memory store; key (nil: none) encrypts it at rest; noSync turns
// synced writes off for bulk fills. Only a program's entry point chooses
// a store implementation (authcore/layering_app_test.go), so lkbench's
// main passes it in.
type OpenStore func(dir string, key []byte, noSync bool) (authcore.Storage, error)

// Results is everything a run measured.
type Results struct {
	Machine Machine
	Version string            // `latchkey version`
	Limits  Limits            // the machine's own limits
	Figures map[string]Figure // Latchkey's figures by key (see the keys in run.go)
	Order   []string          // the keys in the order measured
	Scale   []ScalePoint
	Audit   AuditResult
}

// Limits are the machine's own limits, measured in the same run.
type Limits struct {
	ES256, EdDSA, RS256 Figure // signatures per second, one goroutine
	Write               Figure // one synced Badger write
	Bare, Bare1         Figure // a bare net/http handler at c=8 and c=1
	Proxy               Figure // httputil.ReverseProxy alone to the upstream
}

// runner carries a run's state.
type runner struct {
	cfg      Config
	res      *Results
	upstream string
	fx       Fixture
	data     string
	pid      int    // the process measured now (0: none)
	pprofURL string // the measured server's base URL when it serves --pprof
}

// Run measures everything and returns the results; children are stopped
// before it returns.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	defer StopAll()
	r := &runner{res: &Results{Machine: DescribeMachine(), Figures: map[string]Figure{}}}
	cfg.Plan.PID = func() int { return r.pid }
	if cfg.PerfDir != "" {
		p := &Perf{Dir: cfg.PerfDir, Progress: cfg.Progress, PID: cfg.Plan.PID}
		cfg.Plan.Profile = p.Profile
	}
	if cfg.TraceDir != "" {
		secs := max(1, int(cfg.Plan.Duration/time.Second))
		t := &Tracer{Dir: cfg.TraceDir, Progress: cfg.Progress, Seconds: secs, URL: func() string { return r.pprofURL }}
		cfg.Plan.Profile = chainProfiles(cfg.Plan.Profile, t.Profile)
	}
	r.cfg = cfg
	if v, err := cli(ctx, cfg.Bin, "", "version"); err == nil {
		r.res.Version = strings.TrimSpace(string(v))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r.upstream = "http://" + ln.Addr().String()
	up := &http.Server{Handler: Trivial()}
	go func() { _ = up.Serve(ln) }()
	defer up.Close()

	steps := []struct {
		key, name string
		fn        func(context.Context) error
	}{
		{"limits", "machine limits", r.limits},
		{"reference", "reference: node-oidc-provider 9.13.3", r.reference},
		{"figures", "token server and gateway", r.figures},
		{"rs256", "RS256", r.rs256},
		{"postgres", "PostgreSQL store, same figures", r.postgres},
		{"nodes", "several nodes on one PostgreSQL database", r.nodes},
		{"audit", "audit log", r.audit},
		{"scale", "scale", r.scale},
	}
	if cfg.Store != "" {
		steps = steps[:len(steps)-1]
		fmt.Fprintln(cfg.Progress, "== scale: skipped with -store (it fills a Badger data directory directly)")
	}
	for _, s := range steps {
		if len(cfg.Only) > 0 && !slices.Contains(cfg.Only, s.key) {
			continue
		}
		fmt.Fprintf(cfg.Progress, "== %s\n", s.name)
		if err := s.fn(ctx); err != nil {
			return r.res, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return r.res, nil
}

// add records a figure under key, compared with limit.
func (r *runner) add(key string, f Figure, limit Figure, limitName string) {
	if limitName != "" {
		f.Limit, f.LimitRate = limitName, limit.Rate
	}
	r.res.Figures[key] = f
	r.res.Order = append(r.res.Order, key)
}

// measure measures l and records it under key.
func (r *runner) measure(ctx context.Context, key string, l Load, limit Figure, limitName string) error {
	if len(r.cfg.Figures) > 0 && !slices.Contains(r.cfg.Figures, key) {
		return nil
	}
	f, err := Measure(ctx, r.cfg.Plan, l, r.cfg.Progress)
	if err != nil {
		return err
	}
	r.add(key, f, limit, limitName)
	return nil
}

// limits measures signing, the synced write, the bare handler and the
// bare reverse proxy.
func (r *runner) limits(ctx context.Context) error {
	l := &r.res.Limits
	for _, s := range []struct {
		alg string
		f   *Figure
	}{{"ES256", &l.ES256}, {"EdDSA", &l.EdDSA}, {"RS256", &l.RS256}} {
		f, err := SignRate(ctx, r.cfg.Open, s.alg, r.cfg.Plan)
		if err != nil {
			return err
		}
		*s.f = f
		fmt.Fprintf(r.cfg.Progress, "  %-34s %9.0f/s  p50 %7.3f ms\n", f.Name, f.Rate, ms(f.P50))
	}
	w, err := SyncedWrite(r.cfg.Open, filepath.Join(r.cfg.Work, "syncwrite"), 200)
	if err != nil {
		return err
	}
	l.Write = w
	fmt.Fprintf(r.cfg.Progress, "  %-34s p50 %7.3f ms  p99 %7.3f ms\n", w.Name, ms(w.P50), ms(w.P99))
	logPath := filepath.Join(r.cfg.Work, "children.log")
	bare, err := StartChild(ctx, logPath, ChildBare, "/healthz")
	if err != nil {
		return err
	}
	defer bare.Stop()
	r.pid = bare.PID()
	for _, c := range []struct {
		conc int
		f    *Figure
	}{{1, &l.Bare1}, {8, &l.Bare}} {
		f, err := Measure(ctx, r.cfg.Plan, Load{Name: "limit: bare net/http handler", Conc: c.conc, Op: GetOp(bare.URL+"/orders", "")}, r.cfg.Progress)
		if err != nil {
			return err
		}
		*c.f = f
	}
	bare.Stop()
	proxy, err := StartChild(ctx, logPath, ChildProxy, "/healthz", "-upstream", r.upstream)
	if err != nil {
		return err
	}
	defer proxy.Stop()
	r.pid = proxy.PID()
	defer func() { r.pid = 0 }()
	l.Proxy, err = Measure(ctx, r.cfg.Plan, Load{Name: "limit: bare httputil.ReverseProxy", Conc: 8, Op: GetOp(proxy.URL+"/bench/orders", "")}, r.cfg.Progress)
	return err
}

// start starts latchkey serve on the current data directory.
func (r *runner) start(ctx context.Context, extra ...string) (*Server, error) {
	if r.cfg.Store != "" {
		extra = append([]string{"--store", r.cfg.Store, "--migrate"}, extra...)
	}
	if r.cfg.TraceDir != "" {
		extra = append(extra, "--pprof")
	}
	srv, err := StartLatchkey(ctx, r.cfg.Bin, r.data, extra...)
	if err == nil {
		r.pid = srv.PID()
		if r.cfg.TraceDir != "" {
			r.pprofURL = srv.URL
		}
	}
	return srv, err
}

// stop stops srv.
func (r *runner) stop(srv *Server) {
	srv.Stop()
	r.pid, r.pprofURL = 0, ""
}

// freshData makes a new data directory with the fixture in it.
func (r *runner) freshData(ctx context.Context, name string) error {
	r.data = filepath.Join(r.cfg.Work, name, "data")
	if err := os.MkdirAll(filepath.Dir(r.data), 0o700); err != nil {
		return err
	}
	fx, err := Prepare(ctx, r.cfg.Bin, r.data, r.upstream, r.cfg.Store)
	r.fx = fx
	return err
}
