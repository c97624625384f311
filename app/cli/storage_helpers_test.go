package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

// mountTmpfs mounts a tmpfs of size (e.g. "64m") on a fresh directory and
// unmounts it when the test ends. The storage tests need root; without it
// they fail rather than skip.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("cannot mount a %s tmpfs on %s (this test runs as root): %v %s", size, dir, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// startInProcess starts a server on data in this process and returns
// its flags, to start it again after a change on disk.
func startInProcess(t *testing.T, data string) (serveFlags, *instance) {
	t.Helper()
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: data, logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	return f, in
}

// serverProcess is `latchkey serve` in a child process: a SIGBUS kills the
// child, not the test.
type serverProcess struct {
	cmd    *exec.Cmd
	base   string
	data   string
	stderr string // its log file
	exited chan struct{}
}

// startServer starts `latchkey serve` on data with extra flags and waits
// until it answers.
func startServer(t *testing.T, data string, extra ...string) *serverProcess {
	t.Helper()
	addr := freeAddr(t)
	p := &serverProcess{base: "http://" + addr, data: data, stderr: filepath.Join(t.TempDir(), "stderr"), exited: make(chan struct{})}
	logf, err := os.Create(p.stderr)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--data", data, "--addr", addr, "--log-format", "json", "--log-level", "info"}, extra...)
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), "LATCHKEY_TEST_MAIN="+strings.Join(args, "\x1f"))
	p.cmd.Stderr, p.cmd.Stdout = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); logf.Close(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.base + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("server exited at start: %s", p.log(t))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer: %s", p.log(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *serverProcess) log(t *testing.T) string {
	b, _ := os.ReadFile(p.stderr)
	return string(b)
}

func (p *serverProcess) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// ccClient registers a client_credentials client through the running
// server's admin path and returns its id and secret.
func ccClient(t *testing.T, data string) (string, string) {
	t.Helper()
	code, out, errOut := runCLI(t, "", "client", "create", "--data", data, "--name", "svc", "--type", "confidential",
		"--grant-type", "client_credentials", "--scope", "orders:read", "--json")
	if code != 0 {
		t.Fatalf("client create: %s", errOut)
	}
	var reg struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &reg); err != nil {
		t.Fatalf("client create: %s", out)
	}
	return reg.ID, reg.Secret
}

// postClient sends a client-authenticated form and returns the status, the
// Retry-After header and the decoded JSON body.
func postClient(t *testing.T, endpoint, id, secret string, form url.Values) (int, string, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := map[string]any{}
	json.Unmarshal(raw, &body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), body
}
