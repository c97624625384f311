package cli

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestBackupRestorePostgresCluster: two nodes on one database record
// into the audit log at the same time, each extending a hash chain of its
// own. A backup taken over one node's admin port restores into an empty
// database with every node's chain: the restore verifies, the events per
// node match the manifest's, `audit verify` passes on the target, and a
// node started there as node-b goes on from its restored head.
func TestBackupRestorePostgresCluster(t *testing.T) {
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat(backupKeyHex, 32))
	dsn := pgtest.Schema(t)
	nodes, datas, stops := map[string]*instance{}, map[string]string{}, map[string]func() error{}
	for _, node := range []string{"node-a", "node-b"} {
		f := serveFlags{addr: "127.0.0.1:0", migrate: node == "node-a"}
		f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error", storeFlags: storeFlags{store: dsn, nodeID: node}}
		in, err := start(&f, fstest.MapFS{}, "serve")
		must(t, err)
		stops[node] = sync.OnceValue(in.stop)
		defer stops[node]()
		nodes[node], datas[node] = in, f.data
	}
	svc, secret := serviceClient(t, nodes["node-a"])
	const rounds = 4
	for range rounds { // the chains interleave in time
		for _, node := range []string{"node-a", "node-b"} {
			if tok := clientCredentials(t, nodes[node].issuer, svc.ID, secret); tok == "" {
				t.Fatalf("no token from %s", node)
			}
		}
	}
	for _, in := range nodes {
		must(t, in.state.audit.Flush(context.Background())) // the writer batches: every token's event is in
	}
	file := filepath.Join(t.TempDir(), "cluster.backup")
	code, out, errOut := runCLI(t, "", "backup", "--to", file, "--data", datas["node-a"])
	if code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	manifest := parseManifest(t, out)
	for _, node := range []string{"node-a", "node-b"} {
		if n := manifest["audit events of "+node]; n < rounds {
			t.Fatalf("the manifest holds %d events of %s, want at least %d:\n%s", n, node, rounds, out)
		}
	}
	for _, stop := range stops {
		must(t, stop())
	}

	target, data := pgtest.Schema(t), t.TempDir()
	code, out, errOut = runCLI(t, "", "restore", "--from", file, "--data", data, "--store", target, "--node-id", "restorer")
	if code != 0 || !strings.Contains(out, "verified\t") {
		t.Fatalf("restore: %d %s %s", code, out, errOut)
	}
	got := auditCountsByNode(t, target)
	for _, node := range []string{"node-a", "node-b"} {
		if got[node] != manifest["audit events of "+node] {
			t.Errorf("the restored log holds %d events of %s, the manifest %d", got[node], node, manifest["audit events of "+node])
		}
	}
	if len(got) != 2 {
		t.Errorf("the restored log holds the chains of %v, want node-a and node-b only", got)
	}
	cli := []string{"--data", t.TempDir(), "--store", target, "--node-id", "admin-cli"}
	if code, out, errOut := runCLI(t, "", append([]string{"audit", "verify"}, cli...)...); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify on the target: %d %s %s", code, out, errOut)
	}

	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: data, logFormat: "json", logLevel: "error", storeFlags: storeFlags{store: target, nodeID: "node-b"}}
	in, err := start(&f, fstest.MapFS{}, "serve")
	must(t, err)
	clientCredentials(t, in.issuer, svc.ID, secret)
	must(t, in.stop())
	if after := auditCountsByNode(t, target); after["node-b"] <= got["node-b"] {
		t.Errorf("node-b recorded nothing on the restored log: %v", after)
	}
	if code, out, errOut := runCLI(t, "", append([]string{"audit", "verify"}, cli...)...); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify after node-b went on from its restored head: %d %s %s", code, out, errOut)
	}
}

// auditCountsByNode counts the audit events of each node in the database.
func auditCountsByNode(t *testing.T, dsn string) map[string]int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	must(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT node_id, count(*) FROM audit_events GROUP BY node_id`)
	must(t, err)
	out := map[string]int{}
	for rows.Next() {
		var node string
		var n int
		must(t, rows.Scan(&node, &n))
		out[node] = n
	}
	must(t, rows.Err())
	return out
}
