package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServerBinary builds the server binary the way `make build-server`
// does (CGO_ENABLED=0, -tags server), checks that it is static, and runs
// it: `version --json` says server, the desktop is refused with a pointer
// to `serve`, and `serve` answers discovery and exits 0 on SIGTERM.
func TestServerBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "latchkey-server")
	build := exec.Command(goTool(t), "build", "-tags", "server", "-trimpath",
		"-ldflags", "-s -w -X github.com/latchkey/latchkey/app.Version=v9.8.7-test -X github.com/latchkey/latchkey/app.Commit=0123abcd", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	assertStatic(t, bin)

	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("version --json: %v", err)
	}
	var v struct{ Version, Commit, Flavour string }
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	if v.Version != "v9.8.7-test" || v.Commit != "0123abcd" || v.Flavour != "server" {
		t.Errorf("version --json = %s; want version v9.8.7-test, commit 0123abcd, flavour server", out)
	}

	for _, args := range [][]string{nil, {"desktop"}, {"--data", dir}} {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stderr = &stderr
		err := cmd.Run()
		if code := exitCode(err); code == 0 || !bytes.Contains(stderr.Bytes(), []byte("latchkey serve")) {
			t.Errorf("latchkey-server %q: exit %d, stderr %q; want a failure pointing to `latchkey serve`", args, code, stderr.String())
		}
	}

	addr := freeAddr(t)
	var logs bytes.Buffer
	srv := exec.Command(bin, "serve", "--addr", addr, "--data", filepath.Join(dir, "data"), "--config", "")
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() { _ = srv.Process.Kill() })

	issuer := "http://" + addr
	if err := waitDiscovery(issuer, exited); err != nil {
		t.Fatalf("%v\nlogs:\n%s", err, logs.String())
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGTERM: %v\nlogs:\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after SIGTERM\nlogs:\n%s", logs.String())
	}
}

// assertStatic fails unless bin is an ELF with no program interpreter and
// no shared library (what ldd reports as "not a dynamic executable").
func assertStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %v program header: it is dynamically linked", bin, p.Type)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v", bin, libs)
	}
	// What an operator would check: ldd exits 1 and says so.
	out, err := exec.Command("ldd", bin).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not a dynamic executable") {
		t.Errorf("ldd %s: %v\n%s", bin, err, out)
	}
}

// waitDiscovery polls the issuer's discovery document until it names the
// issuer, the process exits, or 60 s pass.
func waitDiscovery(issuer string, exited <-chan error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/.well-known/openid-configuration", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			var doc struct{ Issuer string }
			err = json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK && doc.Issuer == issuer {
				return nil
			}
			if err == nil {
				return &discoveryError{resp.StatusCode, doc.Issuer}
			}
		}
		select {
		case err := <-exited:
			return &exitError{err}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

type discoveryError struct {
	status int
	issuer string
}

func (e *discoveryError) Error() string {
	return "discovery answered " + strconv.Itoa(e.status) + " with issuer " + strconv.Quote(e.issuer)
}

type exitError struct{ err error }

func (e *exitError) Error() string { return "the server exited before answering: " + errString(e.err) }

func errString(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
