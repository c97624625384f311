package cli

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A damaged write-ahead log must not bring back a revoked token (issue
// 17, item 4). The server is killed right after a revocation (its last
// store write, still only in store/00001.mem); on a copy, 64 bytes near
// the log's end are overwritten; the copy starts. Badger drops the
// revocation; the start reports the damage and applies it again from the
// audit log, with an event saying so.
func TestRevocationSurvivesDamagedLog(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	// Both servers are one issuer, so the token of the first is the
	// second's to judge.
	issuer := "http://127.0.0.1:" + strings.Split(freeAddr(t), ":")[1]
	srv := startServer(t, data, "--issuer", issuer)
	id, secret := ccClient(t, data)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}
	code, _, body := postClient(t, srv.base+"/token", id, secret, form)
	if code != 200 {
		t.Fatalf("token: %d %v", code, body)
	}
	tok := body["access_token"].(string)
	if code, _, _ := postClient(t, srv.base+"/revoke", id, secret, url.Values{"token": {tok}}); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	srv.cmd.Process.Signal(syscall.SIGKILL)
	<-srv.exited

	cp := filepath.Join(t.TempDir(), "data")
	mustRun(t, "cp", "-a", data, cp)
	for _, f := range []string{"store/LOCK", "audit/LOCK"} {
		os.Remove(filepath.Join(cp, f))
	}
	garbleLogEnd(t, filepath.Join(cp, "store"))

	again := startServer(t, cp, "--issuer", issuer)
	code, _, body = postClient(t, again.base+"/introspect", id, secret, url.Values{"token": {tok}})
	if code != 200 || body["active"] != false {
		t.Errorf("the revoked token introspects %d %v after the damaged log was replayed", code, body)
	}
	log := again.log(t)
	for _, want := range []string{"write-ahead log could not be read", "were missing from the store and were applied again"} {
		if !strings.Contains(log, want) {
			t.Errorf("start log lacks %q:\n%s", want, log)
		}
	}
	if m := metrics(t, again.base); !strings.Contains(m, "latchkey_revocations_restored 1") {
		t.Errorf("metrics lack latchkey_revocations_restored 1")
	}
	code, out, errOut := runCLI(t, "", "audit", "query", "--data", cp, "--type", "revocation.restored", "--json")
	if code != 0 || !strings.Contains(out, `"access_tokens": 1`) {
		t.Errorf("no revocation.restored event: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "audit", "query", "--data", cp, "--type", "alert.raised", "--json")
	if code != 0 || !strings.Contains(out, "store_damaged") {
		t.Errorf("no store_damaged alert: %s", out)
	}
}

// garbleLogEnd overwrites 64 bytes just before the end of the data in the
// newest write-ahead log of a store directory.
func garbleLogEnd(t *testing.T, dir string) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	if len(logs) == 0 {
		t.Fatal("no write-ahead log: the revocation was flushed, the test cannot damage it")
	}
	p := logs[len(logs)-1]
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	end := len(bytes.TrimRight(b, "\x00"))
	if end < 100 {
		t.Fatalf("%s holds %d bytes", p, end)
	}
	copy(b[end-80:end-16], bytes.Repeat([]byte{0xa5}, 64))
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
