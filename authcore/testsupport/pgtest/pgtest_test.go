package pgtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// TestCluster checks what the helper promises: password authentication,
// fsync on, fresh schemas that do not see each other, and the directory
// removed by Stop.
func TestCluster(t *testing.T) {
	ctx := context.Background()
	c := Shared(t)
	conn, err := pgx.Connect(ctx, Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var fsync, schema string
	if err := conn.QueryRow(ctx, "SELECT current_setting('fsync'), current_schema()").Scan(&fsync, &schema); err != nil {
		t.Fatal(err)
	}
	if fsync != "on" || !strings.HasPrefix(schema, "t") {
		t.Errorf("fsync=%s schema=%s", fsync, schema)
	}
	bad := strings.Replace(DSN(t), c.Password, "wrong", 1)
	if conn, err := pgx.Connect(ctx, bad); err == nil {
		conn.Close(ctx)
		t.Error("connected with a wrong password")
	}

	other, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	dir := other.Dir
	if err := other.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory left after Stop: %v", err)
	}
}

// TestSweep: a cluster whose owner died is stopped and removed by the
// next Sweep.
func TestSweep(t *testing.T) {
	c, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(dead.Process.Pid)
	if err := os.WriteFile(filepath.Join(c.Dir, "owner.pid"), []byte(pid), 0o644); err != nil {
		t.Fatal(err)
	}
	Sweep()
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("orphaned cluster directory still there: %v", err)
	}
	ctx := context.Background()
	if conn, err := pgx.Connect(ctx, c.DSN("postgres")); err == nil {
		conn.Close(ctx)
		t.Error("orphaned cluster still accepts connections")
	}
}

// A program outside a test creates databases by name and finds the
// postmaster (lkbench pins it and counts its CPU).
func TestCreateDatabaseAndPID(t *testing.T) {
	c := Shared(t)
	dsn, err := c.CreateDatabase("lkbench_probe")
	if err != nil {
		t.Fatal(err)
	}
	if err := execSQL(dsn, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDatabase("Bad-Name"); err == nil {
		t.Fatal("a name that is not an identifier was accepted")
	}
	pid, err := c.PID()
	if err != nil || !alive(pid) {
		t.Fatalf("postmaster pid %d, %v", pid, err)
	}
}

// TestFuzzWorker: the worker processes `go test -fuzz` starts are told
// apart by the flag the fuzzing coordinator adds (internal/fuzz), and
// nothing else is.
func TestFuzzWorker(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"-test.fuzzworker", "-test.run=^$", "-test.fuzz=^FuzzX$"}, true},
		{[]string{"-test.fuzzworker=true"}, true},
		{[]string{"-test.run=^$", "-test.fuzz=^FuzzX$", "-test.fuzztime=5s"}, false},
		{[]string{"-test.v", "-test.run=fuzzworker"}, false},
		{nil, false},
	} {
		if got := fuzzWorker(c.args); got != c.want {
			t.Errorf("fuzzWorker(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}
