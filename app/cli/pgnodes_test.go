package cli

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// migratedSchema is a fresh schema of the test cluster, migrated, with
// the encryption key in the environment.
func migratedSchema(t *testing.T) string {
	t.Helper()
	dsn := pgtest.Schema(t)
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat("ab", 32))
	if code, _, errOut := runCLI(t, "", "migrate", "up", "--store", dsn); code != 0 {
		t.Fatalf("migrate up: %s", errOut)
	}
	return dsn
}

// serveNode starts a serve instance in this process on dsn as node id,
// on a free port with a data directory of its own.
func serveNode(t *testing.T, dsn, id string) *instance {
	t.Helper()
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error", storeFlags: storeFlags{store: dsn, nodeID: id}}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	return in
}
