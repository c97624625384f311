package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestAuditOnPostgresCluster: two nodes on one database record into one
// audit log; `audit query` on the database shows both nodes' events with
// their node, `audit verify` checks both chains, and a row edited behind
// their backs is reported with the node it belongs to.
func TestAuditOnPostgresCluster(t *testing.T) {
	dsn := migratedSchema(t)
	for _, node := range []string{"node-a", "node-b"} {
		in := serveNode(t, dsn, node)
		client, secret := serviceClient(t, in)
		if tok := clientCredentials(t, in.issuer, client.ID, secret); tok == "" {
			t.Fatal("no token")
		}
		in.stop()
	}
	cli := []string{"--data", t.TempDir(), "--store", dsn, "--node-id", "admin-cli"}
	code, out, errOut := runCLI(t, "", append([]string{"audit", "query", "--type", "token.issued"}, cli...)...)
	if code != 0 || !strings.Contains(out, "node=node-a") || !strings.Contains(out, "node=node-b") {
		t.Fatalf("audit query: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", append([]string{"audit", "verify"}, cli...)...)
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %d %s %s", code, out, errOut)
	}

	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tag, err := conn.Exec(context.Background(), `UPDATE audit_events SET line = convert_to(replace(convert_from(line, 'UTF8'), '"success"', '"failure"'), 'UTF8')
		WHERE node_id = 'node-b' AND type = 'token.issued'`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("tamper: %v %v", tag, err)
	}
	code, out, _ = runCLI(t, "", append([]string{"audit", "verify"}, cli...)...)
	if code == 0 || !strings.Contains(out, "node node-b BROKEN") || !strings.Contains(out, "altered") {
		t.Fatalf("audit verify after an edit: %d %s", code, out)
	}
}
