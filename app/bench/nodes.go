package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// NodesKey is the figure key of a figure measured on n nodes sharing one
// PostgreSQL database: "nodes2-cc8", "nodes3-refresh8".
func NodesKey(n int, figure string) string { return fmt.Sprintf("nodes%d-%s", n, figure) }

// ParseNodes reads -nodes: node counts such as "1,2,3", each from 1 to 9;
// "" is none (the figures are left out).
func ParseNodes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 9 {
			return nil, fmt.Errorf("bench: -nodes: %q is not a node count from 1 to 9", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// nodes measures client_credentials and refresh rotation on 1, 2, 3...
// `latchkey serve` processes (Config.Nodes) sharing one database of a
// private PostgreSQL cluster, the load spread over them as a load
// balancer would. Every node and the database run on the server core, so
// the figure is per server core: it shows what coordinating through the
// database costs, not what n machines would serve.
func (r *runner) nodes(ctx context.Context) error {
	if len(r.cfg.Nodes) == 0 {
		fmt.Fprintln(r.cfg.Progress, "  left out (no -nodes)")
		return nil
	}
	c, pm, dsn, err := startPG("lkbench_nodes")
	if err != nil {
		return err
	}
	defer c.Stop()
	dir := filepath.Join(r.cfg.Work, "nodes")
	first := filepath.Join(dir, "n1", "data")
	if err := os.MkdirAll(first, 0o700); err != nil {
		return err
	}
	if r.fx, err = Prepare(ctx, r.cfg.Bin, first, r.upstream, dsn); err != nil {
		return err
	}
	for _, n := range r.cfg.Nodes {
		if err := r.nodeFigures(ctx, dir, dsn, n, func() time.Duration { return treeCPU(pm) }); err != nil {
			return err
		}
	}
	return nil
}

// nodeFigures starts n nodes on dsn, measures both figures with the load
// spread over them and stops the nodes.
func (r *runner) nodeFigures(ctx context.Context, dir, dsn string, n int, dbCPU func() time.Duration) error {
	srvs, err := startNodes(ctx, r.cfg.Bin, dir, dsn, n)
	defer func() {
		for _, s := range srvs {
			s.Stop()
		}
		r.pid = 0
	}()
	if err != nil {
		return err
	}
	bases := make([]string, n)
	for i, s := range srvs {
		bases[i] = s.URL
	}
	r.pid = srvs[0].PID()
	plan := r.cfg.Plan
	plan.ExtraCPU = func() time.Duration { // the other nodes and the database count as the server's
		cpu := dbCPU()
		for _, s := range srvs[1:] {
			cpu += procCPU(s.PID())
		}
		return cpu
	}
	saved := r.cfg.Plan
	r.cfg.Plan = plan
	defer func() { r.cfg.Plan = saved }()
	cc, refresh, err := r.nodeLoads(ctx, bases)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		key string
		l   Load
	}{{KeyCC + "8", cc}, {KeyRefresh, refresh}} {
		one := r.res.Figures[NodesKey(1, f.key)]
		if err := r.measure(ctx, NodesKey(n, f.key), f.l, one, "1 node, same figure"); err != nil {
			return err
		}
	}
	return nil
}

// startNodes starts n nodes with the first one's issuer and encryption
// key (dir/n1/data, where Prepare put it), each with its own data
// directory and node id.
func startNodes(ctx context.Context, bin, dir, dsn string, n int) ([]*Server, error) {
	key := filepath.Join(dir, "n1", "data", "encryption.key")
	var srvs []*Server
	for i := range n {
		data := filepath.Join(dir, fmt.Sprintf("n%d", i+1), "data")
		if err := os.MkdirAll(data, 0o700); err != nil {
			return srvs, err
		}
		args := []string{"--store", dsn, "--encryption-key-file", key, "--node-id", fmt.Sprintf("bench-%d", i+1)}
		if i > 0 {
			args = append(args, "--issuer", srvs[0].URL)
		}
		s, err := StartLatchkey(ctx, bin, data, args...)
		if err != nil {
			return srvs, err
		}
		srvs = append(srvs, s)
	}
	return srvs, nil
}

// nodeLoads are the client_credentials and refresh rotation loads spread
// over the nodes at bases: 8 workers per node, each worker keeping to one
// node (one keep-alive connection, as through a load balancer). The
// refresh families are minted at the first node and rotated at any.
func (r *runner) nodeLoads(ctx context.Context, bases []string) (cc, refresh Load, err error) {
	n := len(bases)
	ccOps, rfOps := make([]Op, n), make([]Op, n)
	b := &Browser{Base: bases[0], Client: r.fx.Web, RedirectURI: r.fx.RedirectURI, Scope: webScope, User: r.fx.User, Password: r.fx.Password}
	if err := b.SignIn(ctx); err != nil {
		return cc, refresh, err
	}
	families := &Pool[string]{}
	for i, base := range bases {
		ccOps[i] = ClientCredentials(base, r.fx.CC, ccScope)
		at := *b
		at.Base = base
		rfOps[i] = at.RefreshOp(families)
	}
	cc = Load{Name: fmt.Sprintf("client_credentials (ES256), %d node(s)", n), Conc: 8 * n, Op: Spread(ccOps), Guess: 1000}
	refresh = Load{Name: fmt.Sprintf("refresh rotation (durable), %d node(s)", n), Conc: 8 * n, Op: Spread(rfOps), States: NewChain, Guess: 1000,
		Before: func(ctx context.Context, need int) error {
			families.Drain()
			return b.MintFamilies(ctx, families, need/ChainLength+16*n, 8)
		}}
	return cc, refresh, nil
}

// Spread runs each worker's operations on one of ops, worker i on
// ops[i%len(ops)]: the load of several nodes behind a balancer.
func Spread(ops []Op) Op {
	return func(ctx context.Context, w *Worker) error { return ops[w.ID%len(ops)](ctx, w) }
}
