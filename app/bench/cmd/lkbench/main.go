// Command lkbench measures a Latchkey binary on this machine and prints
// one table: the token server and the gateway, each figure next to the
// machine's own limit, the scale figures and the audit log, and whether
// each target of issue 11 is met.
//
//	make bench                      # builds, then runs the full benchmark
//	go run ./app/bench/cmd/lkbench -bin build/bin/latchkey [-quick]
//
// It builds nothing: -bin is the latchkey binary. The server runs pinned
// to core 0 with GOMAXPROCS=1, lkbench re-executes itself under
// `taskset -c 1`. Everything listens on 127.0.0.1 and every child process
// is stopped before lkbench exits. See BENCHMARKS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/latchkey/latchkey/app/bench"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-child" {
		if err := child(os.Args[2], os.Args[3:]); err != nil {
			fmt.Fprintln(os.Stderr, "lkbench:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(run())
}

func run() int {
	bin := flag.String("bin", "", "the latchkey binary to measure (required)")
	quick := flag.Bool("quick", false, "a short run (about 3 minutes): 1 s runs, records up to 10^5, 10^5 audit events")
	dur := flag.Duration("duration", 3*time.Second, "each timed run")
	warm := flag.Duration("warmup", time.Second, "the untimed warm-up before each figure")
	runs := flag.Int("runs", 3, "timed runs per figure; the median is printed")
	sizes := flag.String("sizes", "10000,100000,1000000", "live-record counts of the scale figures, ascending")
	events := flag.Int("audit-events", 1_000_000, "events in the audit log figures")
	traceDir := flag.String("trace", "", "record a Go execution trace of the server (serve --pprof) during each figure's first run into this directory, for `go tool trace`")
	perf := flag.String("perf", "", "record a `perf` CPU profile of the server during each figure's first run into this directory")
	scaleData := flag.String("scale-data", "", "keep the scale step's filled data directories in this directory and reuse them in later runs (the fill of 10^6 records takes minutes); delete it when the store's format changes")
	work := flag.String("work", "", "working directory (default: a new temporary one, removed at the end)")
	store := flag.String("store", "", "run every latchkey serve on this PostgreSQL database (postgres://..., as `latchkey serve --store`); default: Badger in the data directory")
	pg := flag.Bool("pg", true, "measure the store-sensitive figures again on a private PostgreSQL cluster (initdb + pg_ctl, pinned to the server core) beside Badger's")
	nodes := flag.String("nodes", "", "also measure client_credentials and refresh rotation on this many `latchkey serve` nodes sharing one private PostgreSQL database, e.g. 1,2,3 (all on the server core: per-core figures); \"\" leaves them out")
	ref := flag.String("reference", bench.ReferenceDir, "node-oidc-provider's bench-only npm project (`make bench-deps` installs it); \"\" leaves the reference server out")
	only := flag.String("only", "", "run only these steps, comma-separated (limits, reference, figures, rs256, postgres, nodes, audit, scale); default: all")
	figs := flag.String("figures", "", "measure only these figures of the figures step, comma-separated keys (cc1, cc8, cc32, cc128, introspect1, introspect8, introspect128, revoke8, exchange8, refresh8, flow8, gateway8, demo8); default: all")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "lkbench: -bin is required (the latchkey binary; `make bench` passes it)")
		return 2
	}
	abs, err := filepath.Abs(*bin)
	if err == nil {
		_, err = exec.LookPath(abs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lkbench: -bin:", err)
		return 2
	}
	if bench.DescribeMachine().Cores >= 2 {
		if err := bench.PinSelf(1); err != nil {
			fmt.Fprintln(os.Stderr, "lkbench:", err)
			return 1
		}
	} else {
		fmt.Fprintln(os.Stderr, "lkbench: one CPU only: server and load generator share it, figures are not per core")
	}
	cfg := bench.Config{Bin: abs, Plan: bench.Plan{Warmup: *warm, Duration: *dur, Runs: *runs},
		AuditEvents: *events, Progress: os.Stderr, Open: openBadger}
	setFlags := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { setFlags[f.Name] = true })
	if *quick {
		q := bench.Plan{Warmup: 500 * time.Millisecond, Duration: time.Second, Runs: 3}
		if !setFlags["duration"] {
			cfg.Plan.Duration = q.Duration
		}
		if !setFlags["warmup"] {
			cfg.Plan.Warmup = q.Warmup
		}
		if !setFlags["sizes"] {
			*sizes = "10000,100000"
		}
		if !setFlags["audit-events"] {
			cfg.AuditEvents = 100_000
		}
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "lkbench: -sizes: %q is not a positive count\n", s)
			return 2
		}
		cfg.Sizes = append(cfg.Sizes, n)
	}
	cfg.Work = *work
	cfg.ScaleData = *scaleData
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
	}
	if *figs != "" {
		cfg.Figures = strings.Split(*figs, ",")
	}
	cfg.Store = *store
	cfg.ReferenceDir = *ref
	cfg.PG = *pg && *store == ""
	if cfg.Nodes, err = bench.ParseNodes(*nodes); err != nil {
		fmt.Fprintln(os.Stderr, "lkbench:", err)
		return 2
	}
	if *perf != "" {
		if cfg.PerfDir, err = filepath.Abs(*perf); err == nil {
			err = os.MkdirAll(cfg.PerfDir, 0o755)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "lkbench: -perf:", err)
			return 1
		}
	}
	if *traceDir != "" {
		if cfg.TraceDir, err = filepath.Abs(*traceDir); err == nil {
			err = os.MkdirAll(cfg.TraceDir, 0o755)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "lkbench: -trace:", err)
			return 1
		}
	}
	if cfg.Work == "" {
		if cfg.Work, err = os.MkdirTemp("", "lkbench-"); err != nil {
			fmt.Fprintln(os.Stderr, "lkbench:", err)
			return 1
		}
		defer os.RemoveAll(cfg.Work)
	} else if err := os.MkdirAll(cfg.Work, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "lkbench:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	defer bench.StopAll()
	fmt.Fprintf(os.Stderr, "lkbench: %s\nworking in %s; progress below, the table at the end\n",
		strings.ReplaceAll(bench.DescribeMachine().String(), "\n", "\n  "), cfg.Work)
	t0 := time.Now()
	res, err := bench.Run(ctx, cfg)
	if res != nil {
		bench.Print(os.Stdout, res, commandLine())
		fmt.Printf("\n(total %.0f s; the machine is shared with other work, so figures are noisy: each is the median of %d runs)\n",
			time.Since(t0).Seconds(), cfg.Plan.Runs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lkbench:", err)
		return 1
	}
	return 0
}

func commandLine() string {
	return "lkbench " + strings.Join(os.Args[1:], " ")
}

// child runs a hidden child mode: a reference server or populate.
func child(mode string, args []string) error {
	fs := flag.NewFlagSet("lkbench -child "+mode, flag.ContinueOnError)
	addr := fs.String("addr", "", "listen address")
	upstream := fs.String("upstream", "", "upstream URL (proxy)")
	data := fs.String("data", "", "data directory (populate)")
	client := fs.String("client", "", "client id of the populated grants")
	from := fs.Int("from", 0, "first record (populate)")
	to := fs.Int("to", 0, "records after populate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if mode == bench.ChildPopulate {
		return bench.Populate(openBadger, *data, *client, *from, *to, os.Stdout)
	}
	return bench.RunChild(mode, *addr, *upstream)
}

// openBadger opens the store the latchkey binary uses: Badger, in memory
// when dir is "" (bench.OpenStore).
func openBadger(dir string, key []byte, noSync bool) (authcore.Storage, error) {
	st, err := badger.Open(badger.Options{Dir: dir, InMemory: dir == "", EncryptionKey: key, NoSyncWrites: noSync})
	if err != nil {
		return nil, err
	}
	return st, nil
}
