package cli

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestServeOnPostgres: serve refuses an unmigrated database and says what
// to run; `migrate status|up` reports and applies; then serve on
// --store postgres://... issues a token end to end, the client it was
// issued to lives in PostgreSQL (a second server on another data
// directory sees it), and the Dashboard names the store without its
// password.
func TestServeOnPostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	password := pgtest.Shared(t).Password
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat("ab", 32)) // one key for both nodes

	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error", storeFlags: storeFlags{store: dsn}}
	_, err := start(&f, fstest.MapFS{}, "serve")
	if err == nil || !strings.Contains(err.Error(), "latchkey migrate up") || !strings.Contains(err.Error(), "--migrate") {
		t.Fatalf("serve on an unmigrated database: %v, want a refusal naming migrate up and --migrate", err)
	}
	code, out, errOut := runCLI(t, "", "migrate", "status", "--store", dsn)
	if code != 0 || !strings.Contains(out, "pending: 0001_init") || strings.Contains(out+errOut, password) {
		t.Fatalf("migrate status: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "migrate", "up", "--store", dsn)
	if code != 0 || !strings.Contains(out, "up to date") || strings.Contains(out+errOut, password) {
		t.Fatalf("migrate up: %d %q %q", code, out, errOut)
	}

	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	client, secret := serviceClient(t, in)
	if tok := clientCredentials(t, in.issuer, client.ID, secret); tok == "" {
		t.Fatal("no token")
	}
	status, _ := in.app.Status()
	if !strings.HasPrefix(status.Store, "postgres://") || strings.Contains(status.Store, password) {
		t.Errorf("Dashboard store = %q, want the URL without its password", status.Store)
	}

	// A second node: another data directory, the same database and key.
	f2 := serveFlags{addr: "127.0.0.1:0"}
	f2.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error", storeFlags: storeFlags{store: dsn}}
	in2, err := start(&f2, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in2.stop()
	if tok := clientCredentials(t, in2.issuer, client.ID, secret); tok == "" {
		t.Fatal("the second node issued no token to a client created on the first")
	}
}

// TestServeLogsNoDSNPassword runs `latchkey serve --store ...` as a real
// process with debug logging and checks that neither its log nor --help
// (with the DSN in $LATCHKEY_STORE) shows the password.
func TestServeLogsNoDSNPassword(t *testing.T) {
	dsn := pgtest.Schema(t)
	password := pgtest.Shared(t).Password
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LATCHKEY_ENCRYPTION_KEY="+strings.Repeat("cd", 32), "LATCHKEY_STORE="+dsn,
		"LATCHKEY_TEST_MAIN="+strings.Join([]string{"serve", "--migrate", "--addr", freeAddr(t), "--data", t.TempDir(),
			"--log-level", "debug", "--log-format", "json"}, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var log strings.Builder
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(60 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited:\n%s", log.String())
			}
			log.WriteString(l + "\n")
			if strings.Contains(l, "latchkey listening") {
				break wait
			}
		case <-deadline:
			t.Fatalf("serve did not start:\n%s", log.String())
		}
	}
	if !strings.Contains(log.String(), `"store":"postgres://`) {
		t.Errorf("the log does not name the store:\n%s", log.String())
	}
	if strings.Contains(log.String(), password) {
		t.Errorf("the log shows the DSN password:\n%s", log.String())
	}

	t.Setenv("LATCHKEY_STORE", dsn)
	code, out, errOut := runCLI(t, "", "serve", "--help")
	if code != 0 || !strings.Contains(errOut, "--store") || strings.Contains(out+errOut, password) {
		t.Errorf("serve --help: %d, shows the password or lacks --store:\n%s", code, errOut)
	}
}
