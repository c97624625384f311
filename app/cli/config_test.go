package cli

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/latchkey/latchkey/app"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseServe parses serve's flags with a configuration file holding yaml
// ("" for none) and the environment variables env.
func parseServe(t *testing.T, yaml string, env map[string]string, args ...string) (*serveFlags, *layers, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	if yaml != "" {
		args = append([]string{"--config", writeFile(t, t.TempDir(), "latchkey.yaml", yaml)}, args...)
	}
	fs, f, _ := newServeFlags(new(strings.Builder))
	l, err := parseLayers(fs, args, "config")
	return f, l, err
}

// TestConfigPrecedence: flags > LATCHKEY_* > the file > defaults, for
// each setting on its own.
func TestConfigPrecedence(t *testing.T) {
	const file = "addr: 10.0.0.1:80\naudit-retention: 48h\ninsecure-http: true\n"
	tests := []struct {
		name      string
		yaml      string
		env       map[string]string
		args      []string
		addr, src string
		keep      time.Duration
		keepSrc   string
	}{
		{"defaults", "", nil, nil, "127.0.0.1:8421", fromDefault, 90 * 24 * time.Hour, fromDefault},
		{"file over default", file, nil, nil, "10.0.0.1:80", fromFile, 48 * time.Hour, fromFile},
		{"env over file", file, map[string]string{"LATCHKEY_ADDR": "10.0.0.2:80"}, nil, "10.0.0.2:80", fromEnv, 48 * time.Hour, fromFile},
		{"flag over env and file", file, map[string]string{"LATCHKEY_ADDR": "10.0.0.2:80", "LATCHKEY_AUDIT_RETENTION": "1h"},
			[]string{"--addr", "10.0.0.3:80"}, "10.0.0.3:80", fromFlag, time.Hour, fromEnv},
		{"config named by env", "", map[string]string{"LATCHKEY_CONFIG": ""}, []string{"--addr", "127.0.0.1:1"}, "127.0.0.1:1", fromFlag, 90 * 24 * time.Hour, fromDefault},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, l, err := parseServe(t, tc.yaml, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if f.addr != tc.addr || l.src["addr"] != tc.src {
				t.Errorf("addr = %q from %s; want %q from %s", f.addr, l.src["addr"], tc.addr, tc.src)
			}
			if f.auditKeep != tc.keep || l.src["audit-retention"] != tc.keepSrc {
				t.Errorf("audit-retention = %v from %s; want %v from %s", f.auditKeep, l.src["audit-retention"], tc.keep, tc.keepSrc)
			}
			if tc.yaml != "" && !f.insecureHTTP {
				t.Error("insecure-http from the file was not applied")
			}
		})
	}
}

// TestConfigDefaultFileOptional: the default /etc/latchkey/latchkey.yaml
// is read only when it exists; a file named by --config must exist.
func TestConfigDefaultFileOptional(t *testing.T) {
	if _, err := os.Stat(defaultConfigFile); err == nil {
		t.Fatalf("%s exists on this machine; the test needs it absent", defaultConfigFile)
	}
	_, l, err := parseServe(t, "", nil)
	if err != nil || l.file != "" {
		t.Fatalf("absent default file: file %q, err %v", l.file, err)
	}
	_, _, err = parseServe(t, "", nil, "--config", filepath.Join(t.TempDir(), "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("a missing named file: err %v", err)
	}
}

// TestConfigErrors: every malformed file is refused with the file, the
// line and the key at fault.
func TestConfigErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "addr: 1.2.3.4:5\nlisten: 0.0.0.0:80\n", `latchkey.yaml:2: unknown key "listen"`},
		{"underscore spelling", "\n\ntls_cert: a.pem\n", `latchkey.yaml:3: unknown key "tls_cert" (keys are the flags' names: "tls-cert")`},
		{"the config key itself", "config: other.yaml\n", `latchkey.yaml:1: unknown key "config"`},
		{"print-config", "print-config: true\n", `latchkey.yaml:1: unknown key "print-config"`},
		{"twice", "addr: a:1\nissuer: https://x\naddr: b:2\n", `latchkey.yaml:3: "addr" is set twice (first on line 1)`},
		{"bad duration", "addr: a:1\naudit-retention: forever\n", `latchkey.yaml:2: audit-retention: `},
		{"bad bool", "tls-auto: maybe\n", `latchkey.yaml:1: tls-auto: `},
		{"no value", "issuer:\n", `latchkey.yaml:1: issuer: has no value`},
		{"list for one value", "addr:\n  - a:1\n  - b:2\n", `latchkey.yaml:1: addr: takes one value, not a list`},
		{"mapping value", "addr:\n  host: a\n", `latchkey.yaml:1: addr: takes a plain value, not a mapping`},
		{"not a mapping", "- addr\n", `latchkey.yaml:1: the configuration must be a mapping`},
		{"syntax", "addr: [a\n", `latchkey.yaml: yaml:`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseServe(t, tc.yaml, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want it to contain %q", err, tc.want)
			}
		})
	}
	// A key the environment overrides is still checked.
	_, _, err := parseServe(t, "adr: a:1\n", map[string]string{"LATCHKEY_ADDR": "b:2"})
	if err == nil || !strings.Contains(err.Error(), `unknown key "adr"`) {
		t.Fatalf("unknown key under an env override: %v", err)
	}
}

// TestSecretFiles: a secret's *-file twin reads it from a file, at the
// precedence of where the -file setting came from; both at one level is
// an error.
func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	fileDSN := "postgres://latchkey:from-file@db:5432/latchkey"
	dsnFile := writeFile(t, dir, "dsn", fileDSN+"\n")
	envDSN := "postgres://latchkey:from-env@db:5432/latchkey"
	tests := []struct {
		name, yaml string
		env        map[string]string
		args       []string
		want, src  string
		wantErr    string
	}{
		{"from the config file's store-file", "store-file: " + dsnFile + "\n", nil, nil, fileDSN, fromFile, ""},
		{"env beats the config file's store-file", "store-file: " + dsnFile + "\n",
			map[string]string{"LATCHKEY_STORE": envDSN}, nil, envDSN, fromEnv, ""},
		{"flag store-file beats env", "", map[string]string{"LATCHKEY_STORE": envDSN},
			[]string{"--store-file", dsnFile}, fileDSN, fromFlag, ""},
		{"both as flags", "", nil, []string{"--store", envDSN, "--store-file", dsnFile}, "", "",
			"--store and --store-file are both set (flag)"},
		{"both in the file", "store: " + envDSN + "\nstore-file: " + dsnFile + "\n", nil, nil, "", "",
			"are both set (file)"},
		{"missing file", "", nil, []string{"--store-file", filepath.Join(dir, "nope")}, "", "",
			"--store-file: open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, l, err := parseServe(t, tc.yaml, tc.env, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.store != tc.want || l.src["store"] != tc.src {
				t.Errorf("store = %s from %s; want %s from %s", mask("store", f.store), l.src["store"], mask("store", tc.want), tc.src)
			}
		})
	}
}

// TestEncryptionKeyFileOpensStore: the key file the configuration file
// names (encryption-key-file, store.go) is the key the store is encrypted
// with (the admin commands, reading
// $LATCHKEY_ENCRYPTION_KEY, open it with the same key).
func TestEncryptionKeyFileOpensStore(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	key := strings.Repeat("cd", 32)
	cfg := writeFile(t, dir, "latchkey.yaml", "addr: 127.0.0.1:0\ndata: "+data+"\nencryption-key-file: "+writeFile(t, dir, "key", key+"\n")+"\n")
	fs, f, _ := newServeFlags(new(strings.Builder))
	if _, err := parseLayers(fs, []string{"--config", cfg}, "config"); err != nil {
		t.Fatal(err)
	}
	in, err := start(f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	if err := in.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, encryptionKeyFile)); err == nil {
		t.Error("a key file was generated although the configuration supplied the key")
	}
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", key)
	if code, _, errOut := runCLI(t, "", "scope", "list", "--data", data); code != 0 {
		t.Fatalf("the store does not open with the configured key: %s", errOut)
	}
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat("ef", 32))
	if code, _, errOut := runCLI(t, "", "scope", "list", "--data", data); code != 1 || !strings.Contains(errOut, "another key") {
		t.Fatalf("another key opened the store: %d %s", code, errOut)
	}
}

// TestMask: secrets by name, URL passwords and key=value passwords.
func TestMask(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"encryption-key", "00112233", "********"},
		{"client-secret", "s3cr3t", "********"},
		{"feed-token", "tok", "********"},
		{"admin-password", "pw", "********"},
		{"encryption-key", "", ""},
		{"tls-key", "/etc/latchkey/tls.key", "/etc/latchkey/tls.key"},
		{"encryption-key-file", "/run/credentials/key", "/run/credentials/key"},
		{"store", "postgres://latchkey:hunter2@db:5432/latchkey?sslmode=verify-full", "postgres://latchkey:xxxxx@db:5432/latchkey?sslmode=verify-full"},
		{"store", "host=db user=latchkey password=hunter2 dbname=lk", "host=db user=latchkey password=******** dbname=lk"},
		{"store", "host=db password='hunter 2' dbname=lk", "host=db password=******** dbname=lk"},
		{"addr", "127.0.0.1:8421", "127.0.0.1:8421"},
	}
	for _, tc := range tests {
		if got := mask(tc.name, tc.value); got != tc.want {
			t.Errorf("mask(%q, %q) = %q; want %q", tc.name, tc.value, got, tc.want)
		}
	}
}

// TestVersionJSON: the desktop binary says desktop; the version comes
// from app.Version.
func TestVersionJSON(t *testing.T) {
	var out strings.Builder
	code := Main([]string{"version", "--json"}, Env{Desktop: func(*app.App, fs.FS) error { return nil }, Stdout: &out, Stderr: &out})
	var b buildInfo
	if err := json.Unmarshal([]byte(out.String()), &b); code != 0 || err != nil {
		t.Fatalf("%d %v %s", code, err, out.String())
	}
	if b.Flavour != "desktop" || b.Version != app.Version || b.GoVersion == "" || b.Commit == "" {
		t.Errorf("version --json = %+v", b)
	}
	if _, help, _ := runCLI(t, "", "--help"); strings.Contains(help, desktopUsage) || !strings.Contains(help, "server build") {
		t.Errorf("the server build's --help offers the desktop window:\n%s", help)
	}
	out.Reset()
	Main([]string{"--help"}, Env{Desktop: func(*app.App, fs.FS) error { return nil }, Stdout: &out})
	if !strings.Contains(out.String(), desktopUsage) {
		t.Errorf("the desktop build's --help lacks the window:\n%s", out.String())
	}
	code, _, errOut := runCLI(t, "", "desktop")
	if code != 1 || !strings.Contains(errOut, "server build") || !strings.Contains(errOut, "latchkey serve") {
		t.Errorf("desktop in the server build: %d %s", code, errOut)
	}
}
