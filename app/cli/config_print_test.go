package cli

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestPrintConfigGolden: --print-config shows every setting of serve with
// its source (flag, env, file, default, and a secret read from its file),
// masks the secrets, and does not start the server.
func TestPrintConfigGolden(t *testing.T) {
	dir := t.TempDir()
	secret := strings.Repeat("5e", 32)
	keyFile := writeFile(t, dir, "encryption.key", secret+"\n")
	dsnFile := writeFile(t, dir, "store.dsn", "postgres://latchkey:hunter2-db@db.example.com:5432/latchkey?sslmode=verify-full\n")
	cfg := writeFile(t, dir, "latchkey.yaml", strings.Join([]string{
		"# a comment",
		"addr: 0.0.0.0:443",
		"issuer: https://id.example.com",
		"data: /var/lib/latchkey",
		"tls-cert: /etc/latchkey/tls.crt",
		"tls-key: /etc/latchkey/tls.key",
		"encryption-key-file: " + keyFile,
		"store-file: " + dsnFile,
		"audit-retention: 2160h",
		"token-rate-per-ip: 100/s",
		"",
	}, "\n"))
	t.Setenv("LATCHKEY_LOG_FORMAT", "json")
	t.Setenv("LATCHKEY_ISSUER", "https://login.example.com")
	code, out, errOut := runCLI(t, "", "serve", "--print-config", "--config", cfg, "--log-level", "debug")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, secret[:16]) || strings.Contains(out, "hunter2") {
		t.Fatalf("--print-config shows a secret:\n%s", out)
	}
	got := strings.ReplaceAll(out, dir, "$TMP")
	golden := filepath.Join("testdata", "print-config.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestPrintConfigGolden -update)", err)
	}
	if got != string(want) {
		t.Errorf("--print-config differs from %s (-update rewrites it):\n%s", golden, got)
	}
	// A secret given directly is masked as well.
	t.Setenv("LATCHKEY_STORE", "postgres://u:hunter2-env@db/lk")
	_, out, _ = runCLI(t, "", "serve", "--print-config", "--config", "")
	if strings.Contains(out, "hunter2") || !strings.Contains(out, `store: "postgres://u:xxxxx@db/lk" # env`) {
		t.Errorf("an env secret is not masked:\n%s", out)
	}
}
