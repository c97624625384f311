package audit

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// auditMigrations are the schema of the PostgreSQL log, applied by the
// store's migrations (latchkey migrate up); read from their files because
// audit imports nothing of authcore.
var auditMigrations = []string{
	"../authcore/store/postgres/migrations/0010_audit_log.up.sql",
	"../authcore/store/postgres/migrations/0150_audit_lean.up.sql",
	"../authcore/store/postgres/migrations/0160_audit_ascending.up.sql",
}

// pgPool returns a pool on a fresh, migrated schema of the package's
// cluster, closed at the end of the test.
func pgPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, m := range auditMigrations {
		sql, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(context.Background(), string(sql)); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	return pool
}

// openPG opens a log on pool (a fresh schema when nil) as node
// opt.NodeID, closed at the end of the test.
func openPGOn(t testing.TB, pool *pgxpool.Pool, opt Options) *Log {
	t.Helper()
	if pool == nil {
		pool = pgPool(t)
	}
	l, err := OpenPostgres(context.Background(), pool, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func openPG(t testing.TB, opt Options) *Log { return openPGOn(t, nil, opt) }
