package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
)

// shared is the cluster Main started for this test binary.
var shared atomic.Pointer[Cluster]

// sharedDB is the database Main created in it for this test package.
var sharedDB string

// Main runs a package's tests with one private cluster and one database
// for the package, and stops and removes both afterwards, also when a
// test fails or the binary receives SIGINT or SIGTERM. Use it as
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// A cluster that cannot start fails the whole package with the reason
// (missing binaries included): a PostgreSQL test never skips.
//
// A fuzzing worker (the processes `go test -fuzz` starts to run the
// target) starts none: it runs only the fuzz target, no fuzz target
// uses the database, and a cluster per worker start (1-2 s) made the
// audit package's short fuzz runs time out on a loaded machine.
func Main(m *testing.M) {
	if fuzzWorker(os.Args[1:]) {
		os.Exit(m.Run())
	}
	c, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedDB = dbName()
	if err := c.createDatabase(sharedDB); err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = c.Stop()
		os.Exit(1)
	}
	shared.Store(c)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		_ = c.Stop()
		fmt.Fprintf(os.Stderr, "pgtest: %v: cluster stopped and removed\n", s)
		os.Exit(2)
	}()

	code := m.Run()
	signal.Stop(sig)
	if err := c.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// fuzzWorker reports whether args are those of a fuzzing worker.
func fuzzWorker(args []string) bool {
	for _, a := range args {
		if a == "-test.fuzzworker" || a == "--test.fuzzworker" || strings.HasPrefix(a, "-test.fuzzworker=") {
			return true
		}
	}
	return false
}

// Shared returns the cluster Main started; it fails tb when the package
// has no TestMain calling Main.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	c := shared.Load()
	if c == nil {
		tb.Fatal("pgtest: no cluster: the package needs func TestMain(m *testing.M) { pgtest.Main(m) }")
	}
	return c
}

// DSN returns the URL of the package's database.
func DSN(tb testing.TB) string {
	tb.Helper()
	return Shared(tb).DSN(sharedDB)
}

var schemaSeq atomic.Int64

// Schema creates a new, empty schema in the package's database and
// returns a URL whose connections use it (search_path): a fresh store
// for one test, without a database per test.
func Schema(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t%d_%s", schemaSeq.Add(1), ident(tb.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	if err := execSQL(DSN(tb), `CREATE SCHEMA "`+name+`"`); err != nil {
		tb.Fatal(err)
	}
	return DSN(tb) + "&search_path=" + name
}

// Database creates a new, empty database on the package's cluster and
// returns its URL, for tests that need a whole database (pg_dump).
func Database(tb testing.TB) string {
	tb.Helper()
	c := Shared(tb)
	name := fmt.Sprintf("d%d_%s", schemaSeq.Add(1), ident(tb.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	if err := c.createDatabase(name); err != nil {
		tb.Fatal(err)
	}
	return c.DSN(name)
}

func (c *Cluster) createDatabase(name string) error {
	return execSQL(c.DSN("postgres"), `CREATE DATABASE "`+name+`"`)
}

// execSQL runs one statement on a connection of its own.
func execSQL(dsn, sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("pgtest: %s: %w", sql, err)
	}
	return nil
}

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// ident turns s into a lower-case SQL identifier fragment.
func ident(s string) string { return nonIdent.ReplaceAllString(strings.ToLower(s), "_") }

// dbName names the package's database after the test binary.
func dbName() string {
	name := "pkg_" + ident(strings.TrimSuffix(filepath.Base(os.Args[0]), ".test"))
	if name == "" || len(name) > 50 {
		name = "test"
	}
	return name
}
