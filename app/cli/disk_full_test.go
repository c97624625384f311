package cli

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fill writes path in 1 MiB chunks until the file system is full, as dd
// does, and returns when the write fails with ENOSPC.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill: %v", err)
			}
			return
		}
	}
}

// A disk that fills up under a running server (issue 17, item 1): the
// server neither crashes (SIGBUS in Badger's memory-mapped log) nor
// acknowledges what it cannot store. Writes answer 503 with
// temporarily_unavailable and Retry-After, reads and token checks go on,
// and writes resume by themselves once space is freed.
func TestDiskFullRefusesWritesThenResumes(t *testing.T) {
	mnt := mountTmpfs(t, "64m")
	data := filepath.Join(mnt, "data")
	srv := startServer(t, data, "--disk-reserve", "8MB")
	id, secret := ccClient(t, data)
	token := func() (int, string, map[string]any) {
		return postClient(t, srv.base+"/token", id, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}})
	}
	code, _, body := token()
	if code != 200 {
		t.Fatalf("token before the disk fills: %d %v", code, body)
	}
	tok := body["access_token"].(string)

	// Requests keep coming while dd fills the disk to the last byte.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				token()
			}
		}
	}()
	filler := filepath.Join(mnt, "filler")
	fill(t, filler)
	full := time.Now()
	var refusedAfter time.Duration
	for {
		code, retry, body := token()
		if code == http.StatusServiceUnavailable {
			refusedAfter = time.Since(full)
			if body["error"] != "temporarily_unavailable" || retry == "" {
				t.Errorf("refusal: error=%v Retry-After=%q", body["error"], retry)
			}
			break
		}
		if !srv.alive() {
			t.Fatalf("the server died as the disk filled: %s", srv.log(t))
		}
		if time.Since(full) > 5*time.Second {
			t.Fatalf("writes still answered %d 5 s after the disk filled: %s", code, srv.log(t))
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	<-done
	t.Logf("disk full -> writes refused in %v", refusedAfter)

	// Writes are refused, reads and token checks work.
	if code, _, _ := postClient(t, srv.base+"/revoke", id, secret, url.Values{"token": {tok}}); code != http.StatusServiceUnavailable {
		t.Errorf("/revoke on a full disk: %d, want 503", code)
	}
	if code, _, body := postClient(t, srv.base+"/introspect", id, secret, url.Values{"token": {tok}}); code != 200 || body["active"] != true {
		t.Errorf("/introspect on a full disk: %d %v", code, body)
	}
	if !strings.Contains(srv.log(t), "disk almost full: ") {
		t.Errorf("no \"disk almost full\" log line: %s", srv.log(t))
	}
	if m := metrics(t, srv.base); !strings.Contains(m, "latchkey_storage_writable 0") {
		t.Errorf("metrics do not show the refusal")
	}

	// Space freed: writes resume without a restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	for {
		if code, _, _ := token(); code == 200 {
			break
		}
		if time.Since(freed) > 5*time.Second {
			t.Fatalf("writes not resumed 5 s after space was freed: %s", srv.log(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("space freed -> writes accepted in %v", time.Since(freed))
	if code, _, _ := postClient(t, srv.base+"/revoke", id, secret, url.Values{"token": {tok}}); code != 200 {
		t.Errorf("/revoke after space was freed: %d", code)
	}
	if code, _, body := postClient(t, srv.base+"/introspect", id, secret, url.Values{"token": {tok}}); code != 200 || body["active"] != false {
		t.Errorf("revoked token after space was freed: %d %v", code, body)
	}
	if !srv.alive() {
		t.Fatalf("server died: %s", srv.log(t))
	}
}

// Starting on a full disk ends with one readable sentence, not a SIGBUS
// and a goroutine dump.
func TestStartOnFullDisk(t *testing.T) {
	mnt := mountTmpfs(t, "64m")
	data := filepath.Join(mnt, "data")
	srv := startServer(t, data, "--disk-reserve", "8MB")
	srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.exited
	fill(t, filepath.Join(mnt, "filler"))

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LATCHKEY_TEST_MAIN="+strings.Join([]string{"serve", "--data", data,
		"--addr", freeAddr(t), "--log-format", "json", "--disk-reserve", "8MB"}, "\x1f"))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("start on a full disk: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := lines[len(lines)-1]
	if len(lines) > 2 || !strings.Contains(last, "not starting: the disk holding "+data) || !strings.Contains(last, "free some space") {
		t.Errorf("want one sentence naming the directory, got:\n%s", out)
	}
	if strings.Contains(string(out), "goroutine ") {
		t.Errorf("goroutine dump at start:\n%s", out)
	}
}

func metrics(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
