package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// PostgreSQL figure keys: the store-sensitive figures again, on a private
// PostgreSQL cluster, beside Badger's in the same run.
const (
	KeyPGCC       = "pg-cc8"
	KeyPGIntro    = "pg-introspect8"
	KeyPGRevoke   = "pg-revoke8"
	KeyPGExchange = "pg-exchange8"
	KeyPGRefresh  = "pg-refresh8"
)

// postgres starts a private PostgreSQL cluster (the tests' pgtest helper)
// pinned to the server core, so the database's own CPU is on the same
// core as Latchkey's and counted in "server CPU", then measures
// client_credentials, introspection, revocation, code exchange and
// refresh rotation on `latchkey serve --store postgres://...`.
func (r *runner) postgres(ctx context.Context) error {
	if !r.cfg.PG {
		fmt.Fprintln(r.cfg.Progress, "  left out (-pg=false)")
		return nil
	}
	c, pm, dsn, err := startPG("lkbench")
	if err != nil {
		return err
	}
	defer c.Stop()
	r.data = filepath.Join(r.cfg.Work, "pg", "data")
	if err := os.MkdirAll(filepath.Dir(r.data), 0o700); err != nil {
		return err
	}
	if r.fx, err = Prepare(ctx, r.cfg.Bin, r.data, r.upstream, dsn); err != nil {
		return err
	}
	srv, err := StartLatchkey(ctx, r.cfg.Bin, r.data, "--store", dsn)
	if err != nil {
		return err
	}
	r.pid = srv.PID()
	defer func() { srv.Stop(); r.pid = 0 }()
	plan := r.cfg.Plan
	plan.ExtraCPU = func() time.Duration { return treeCPU(pm) }
	saved := r.cfg.Plan
	r.cfg.Plan = plan
	defer func() { r.cfg.Plan = saved }()
	return r.storeFigures(ctx, srv.URL, "PostgreSQL: ", map[string]string{
		KeyCC + "8": KeyPGCC, KeyIntro + "8": KeyPGIntro, KeyRevoke: KeyPGRevoke, KeyExchange: KeyPGExchange, KeyRefresh: KeyPGRefresh})
}

// startPG starts a private PostgreSQL cluster (the tests' pgtest
// helper), pins it to the server core, so the database's own CPU is
// counted in "server CPU", and creates database name. It returns the
// cluster, its postmaster's pid and the database's DSN.
func startPG(name string) (*pgtest.Cluster, int, string, error) {
	c, err := pgtest.Start()
	if err != nil {
		return nil, 0, "", err
	}
	pm, err := c.PID()
	if err == nil {
		err = pinTree(pm, serverCore)
	}
	var dsn string
	if err == nil {
		dsn, err = c.CreateDatabase(name)
	}
	if err != nil {
		c.Stop()
		return nil, 0, "", err
	}
	return c, pm, dsn, nil
}

// storeFigures measures the figures whose cost is the store's, on the
// server at base, under the keys given for the plain ones, each compared
// with the plain figure (Badger's) of the same run.
func (r *runner) storeFigures(ctx context.Context, base, prefix string, key map[string]string) error {
	cc := r.fx.CC
	plain := map[string]Figure{}
	for k, v := range key {
		plain[v] = r.res.Figures[k]
	}
	measure := func(key string, l Load) error { return r.measure(ctx, key, l, plain[key], "Badger, same figure") }
	if err := measure(key[KeyCC+"8"], r.ccWrk(prefix+"client_credentials (ES256)", base+"/token", cc, 8)); err != nil {
		return err
	}
	tokens, err := MintAccessTokens(ctx, base, cc, ccScope, 1000, 8)
	if err != nil {
		return err
	}
	if err := measure(key[KeyIntro+"8"], r.introWrk(prefix+"introspection", base+"/introspect", cc, tokens, 8)); err != nil {
		return err
	}
	rv := r.revokeLoad(base)
	rv.Name = prefix + rv.Name
	if err := measure(key[KeyRevoke], rv); err != nil {
		return err
	}
	b := &Browser{Base: base, Client: r.fx.Web, RedirectURI: r.fx.RedirectURI, Scope: webScope, User: r.fx.User, Password: r.fx.Password}
	if err := b.SignIn(ctx); err != nil {
		return err
	}
	ex, rf := durableLoads(b)
	ex.Name, rf.Name = prefix+ex.Name, prefix+rf.Name
	if err := measure(key[KeyExchange], ex); err != nil {
		return err
	}
	return measure(key[KeyRefresh], rf)
}

// pinTree pins process pid, every thread of it and every child it has
// now to core; children it forks later inherit the affinity.
func pinTree(pid, core int) error {
	for _, p := range append([]int{pid}, children(pid)...) {
		out, err := exec.Command("taskset", "-a", "-p", "-c", strconv.Itoa(core), strconv.Itoa(p)).CombinedOutput()
		if err != nil {
			return fmt.Errorf("bench: taskset %d: %v: %s", p, err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// children lists pid's live child processes.
func children(pid int) []int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// treeCPU is the CPU time of pid, of its live children and of the
// children it has reaped (cutime, cstime): a PostgreSQL server's own.
func treeCPU(pid int) time.Duration {
	total := procCPU(pid) + reapedCPU(pid)
	for _, c := range children(pid) {
		total += procCPU(c)
	}
	return total
}

// reapedCPU is cutime+cstime of pid (/proc/PID/stat fields 16, 17).
func reapedCPU(pid int) time.Duration { return statTimes(pid, 13) }
