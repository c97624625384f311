package cli

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/latchkey/latchkey/app"
)

// runCLI runs the command line in-process and returns its exit code and
// output.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, Env{Console: fstest.MapFS{}, Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin)})
	return code, out.String(), errb.String()
}

func TestHelpListsCommands(t *testing.T) {
	code, out, _ := runCLI(t, "", "--help")
	for _, want := range []string{"serve", "client", "user", "scope", "key", "audit"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	code, _, errOut := runCLI(t, "", "serve", "--help")
	if code != 0 || !strings.Contains(errOut, "LATCHKEY_TLS_CERT") || !strings.Contains(errOut, "--insecure-http") {
		t.Errorf("serve --help: %d %s", code, errOut)
	}
}

// The admin CLI works on a data directory no server holds, and prints the
// RFC 7591 registration response with --json.
func TestAdminCLIOffline(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, "", "client", "create", "--data", data, "--name", "Web", "--type", "confidential",
		"--redirect-uri", "https://app.example/cb", "--grant-type", "authorization_code", "--scope", "openid profile", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var reg map[string]any
	if err := json.Unmarshal([]byte(out), &reg); err != nil {
		t.Fatalf("not JSON: %s", out)
	}
	for _, k := range []string{"client_id", "client_secret", "redirect_uris", "grant_types", "token_endpoint_auth_method", "scope"} {
		if _, ok := reg[k]; !ok {
			t.Errorf("registration response lacks %s: %s", k, out)
		}
	}
	code, out, _ = runCLI(t, "", "client", "list", "--data", data)
	if code != 0 || !strings.Contains(out, reg["client_id"].(string)) {
		t.Fatalf("list: %d %s", code, out)
	}
	code, _, errOut = runCLI(t, "", "client", "create", "--data", data, "--name", "Bad", "--redirect-uri", "https://app.example/cb#frag")
	if code != 1 || !strings.Contains(errOut, "fragment") {
		t.Errorf("bad redirect: %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "hunter2hunter2\n", "user", "create", "--data", data, "--username", "alice", "--password-stdin")
	if code != 0 {
		t.Fatalf("user create: %s", errOut)
	}
	code, out, _ = runCLI(t, "", "user", "list", "--data", data, "--json")
	if code != 0 || !strings.Contains(out, `"alice"`) || strings.Contains(out, "hunter2") {
		t.Fatalf("user list: %s", out)
	}
	code, out, _ = runCLI(t, "", "audit", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %d %s", code, out)
	}
}

// With a server holding the data directory, the CLI talks to it over the
// loopback admin path instead of failing on the lock.
func TestAdminCLIThroughRunningServer(t *testing.T) {
	data := t.TempDir()
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: data, logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	code, out, errOut := runCLI(t, "", "scope", "create", "--data", data, "--name", "orders:write", "--description", "Place orders", "--json")
	if code != 0 || !strings.Contains(out, "orders:write") {
		t.Fatalf("scope create via server: %d %s %s", code, out, errOut)
	}
	resp, err := http.Get(in.issuer + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	var md map[string]any
	json.NewDecoder(resp.Body).Decode(&md)
	resp.Body.Close()
	if !strings.Contains(strings.Join(toStrings(md["scopes_supported"]), " "), "orders:write") {
		t.Errorf("scope created through the CLI is not live: %v", md["scopes_supported"])
	}
	fi, err := os.Stat(filepath.Join(data, adminFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("admin file must be 0600: %v %v", fi, err)
	}
	// A second server on the same data directory gets a clear error.
	f2 := f
	if _, err := start(&f2, fstest.MapFS{}, "serve"); err == nil || !strings.Contains(err.Error(), "in use by another Latchkey process") {
		t.Errorf("second server: %v", err)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestPlainHTTPRefusedOffLoopback(t *testing.T) {
	code, _, errOut := runCLI(t, "", "serve", "--data", t.TempDir(), "--addr", "0.0.0.0:0")
	if code != 1 || !strings.Contains(errOut, "refusing plain HTTP") {
		t.Fatalf("%d %s", code, errOut)
	}
}

func TestEnvironmentTwins(t *testing.T) {
	t.Setenv("LATCHKEY_ADDR", "0.0.0.0:0")
	code, _, errOut := runCLI(t, "", "serve", "--data", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "0.0.0.0:0") {
		t.Fatalf("LATCHKEY_ADDR ignored: %d %s", code, errOut)
	}
	t.Setenv("LATCHKEY_LOG_FORMAT", "xml")
	code, _, errOut = runCLI(t, "", "serve", "--data", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "--log-format") {
		t.Fatalf("LATCHKEY_LOG_FORMAT ignored: %d %s", code, errOut)
	}
}

func TestNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	var errb bytes.Buffer
	desktop := func(*app.App, fs.FS) error { t.Error("the window opened without a display"); return nil }
	code := Main([]string{"--data", t.TempDir()}, Env{Console: fstest.MapFS{}, Desktop: desktop, Stdout: io.Discard, Stderr: &errb})
	if errOut := errb.String(); code != 1 || !strings.Contains(errOut, "no display") || !strings.Contains(errOut, "serve") {
		t.Fatalf("%d %s", code, errOut)
	}
}

// A new data directory is encrypted at rest with an owner-only key file;
// a key file others can read, or a wrong key, stops the start with a
// clear error.
func TestEncryptionAtRest(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := runCLI(t, "", "scope", "list", "--data", data); code != 0 {
		t.Fatal(errOut)
	}
	keyPath := filepath.Join(data, encryptionKeyFile)
	fi, err := os.Stat(keyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	os.Chmod(keyPath, 0o644)
	code, _, errOut := runCLI(t, "", "scope", "list", "--data", data)
	if code != 1 || !strings.Contains(errOut, "readable by others") {
		t.Fatalf("world-readable key accepted: %d %s", code, errOut)
	}
	os.Chmod(keyPath, 0o600)
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat("ab", 32))
	code, _, errOut = runCLI(t, "", "scope", "list", "--data", data)
	if code != 1 || !strings.Contains(errOut, "encrypted with another key") {
		t.Fatalf("wrong key: %d %s", code, errOut)
	}
}

// /metrics answers loopback with the request, gateway and key-age series.
func TestMetricsEndpoint(t *testing.T) {
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	resp, err := http.Get(in.issuer + "/demo/api/orders") // denied: no token
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(in.issuer + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	for _, want := range []string{`latchkey_gateway_denied_total{reason="no_credentials",route="demo-orders"} 1`,
		"latchkey_signing_key_age_seconds", `endpoint="/demo/api"`} {
		if !strings.Contains(body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// --tls-auto serves HTTPS with a local CA a client can trust, TLS 1.2 at
// least, HSTS on every answer, and an https issuer.
func TestServeTLSAuto(t *testing.T) {
	f := serveFlags{addr: "127.0.0.1:0", tlsAuto: true}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	if !strings.HasPrefix(in.issuer, "https://127.0.0.1:") {
		t.Fatalf("issuer %s", in.issuer)
	}
	caPEM, err := os.ReadFile(filepath.Join(f.data, "tls", "latchkey-ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(in.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("%d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	if _, err := old.Get(in.issuer + "/healthz"); err == nil {
		t.Fatal("TLS 1.1 accepted")
	}
}

// --audit-mirror copies every committed event, as stored, to a file.
func TestAuditMirror(t *testing.T) {
	mirror := filepath.Join(t.TempDir(), "audit.jsonl")
	f := serveFlags{addr: "127.0.0.1:0", auditMirror: mirror, auditKeep: time.Hour}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.app.CreateScope("mirror:test", "x"); err != nil {
		t.Fatal(err)
	}
	in.stop()
	raw, err := os.ReadFile(mirror)
	if err != nil || !strings.Contains(string(raw), `"admin.action"`) || !strings.Contains(string(raw), `"prev_hash"`) {
		t.Fatalf("mirror: %v %s", err, raw)
	}
}

// --signing-algs keeps a key per algorithm, published in the JWKS.
func TestSigningAlgorithmsFlag(t *testing.T) {
	f := serveFlags{addr: "127.0.0.1:0", signingAlgs: "EdDSA,RS256"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	ks, err := in.app.ListKeys()
	if err != nil {
		t.Fatal(err)
	}
	active := map[string]bool{}
	for _, k := range ks {
		if k.State == "active" {
			active[k.Algorithm] = true
		}
	}
	if !active["EdDSA"] || !active["RS256"] || len(active) != 2 {
		t.Fatalf("active keys %v", active)
	}
	if _, err := start(&serveFlags{addr: "127.0.0.1:0", signingAlgs: "HS256",
		common: common{data: t.TempDir(), logFormat: "json", logLevel: "error"}}, fstest.MapFS{}, "serve"); err == nil {
		t.Fatal("HS256 accepted as a signing algorithm")
	}
}

// With --registration token, POST /register needs an initial access token
// from `latchkey client registration-token`, and takes it once.
func TestRegistrationToken(t *testing.T) {
	data := t.TempDir()
	f := serveFlags{addr: "127.0.0.1:0", registration: "token"}
	f.common = common{data: data, logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	register := func(tok string) int {
		req, _ := http.NewRequest("POST", in.issuer+"/register", strings.NewReader(`{"redirect_uris":["https://app.example/cb"],"client_name":"dyn","grant_types":["authorization_code"],"scope":"openid profile"}`))
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := register(""); got != http.StatusUnauthorized {
		t.Fatalf("register without a token: %d", got)
	}
	code, out, errOut := runCLI(t, "", "client", "registration-token", "--data", data, "--json")
	if code != 0 {
		t.Fatalf("registration-token: %s", errOut)
	}
	var tok struct {
		Token string `json:"initial_access_token"`
	}
	json.Unmarshal([]byte(out), &tok)
	if got := register(tok.Token); got != http.StatusCreated {
		t.Fatalf("register with the token: %d", got)
	}
	if got := register(tok.Token); got != http.StatusUnauthorized {
		t.Fatalf("the token worked twice: %d", got)
	}
}
