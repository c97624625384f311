package cli

import (
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The data directory disappears or turns read-only under a running server
// (issue 17): writes are refused with 503 and an alert, reads go on, and
// writes resume when the directory is back.
func TestDataDirGoneOrReadOnly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		problem string // in the log line
		break_  func(t *testing.T, data string)
		mend    func(t *testing.T, data string)
	}{
		{
			name: "moved away", problem: "is missing",
			break_: func(t *testing.T, data string) { mustRun(t, "mv", data, data+".away") },
			mend:   func(t *testing.T, data string) { mustRun(t, "mv", data+".away", data) },
		},
		{
			// A read-only bind mount over the directory: what the
			// server sees when its file system is remounted read-only.
			name: "read-only", problem: "is read-only",
			break_: func(t *testing.T, data string) {
				mustRun(t, "mount", "--bind", data, data)
				mustRun(t, "mount", "-o", "remount,bind,ro", data)
			},
			mend: func(t *testing.T, data string) { mustRun(t, "umount", data) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mnt := mountTmpfs(t, "64m")
			data := filepath.Join(mnt, "data")
			srv := startServer(t, data, "--disk-reserve", "8MB")
			id, secret := ccClient(t, data)
			token := func() (int, map[string]any) {
				code, _, body := postClient(t, srv.base+"/token", id, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}})
				return code, body
			}
			code, body := token()
			if code != 200 {
				t.Fatalf("token: %d %v", code, body)
			}
			tok := body["access_token"].(string)
			tc.break_(t, data)
			waitStatus(t, srv, token, http.StatusServiceUnavailable)
			if code, _, body := postClient(t, srv.base+"/introspect", id, secret, url.Values{"token": {tok}}); code != 200 || body["active"] != true {
				t.Errorf("/introspect while the directory is %s: %d %v", tc.name, code, body)
			}
			if log, ok := waitLog(t, srv, tc.problem+"; writes are refused"); !ok {
				t.Errorf("no log line saying the directory %s: %s", tc.problem, log)
			}
			tc.mend(t, data)
			waitStatus(t, srv, token, http.StatusOK)
			if _, ok := waitLog(t, srv, "writes resumed"); !ok {
				t.Errorf("no log line saying writes resumed")
			}
		})
	}
}

// waitLog waits up to 5 s for the server's log to hold want and returns
// the log. The guard refuses (or admits) writes before its change
// handler writes the line, so a request can see the 503 first.
func waitLog(t *testing.T, srv *serverProcess, want string) (string, bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		log := srv.log(t)
		if strings.Contains(log, want) {
			return log, true
		}
		if time.Now().After(deadline) {
			return log, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, srv *serverProcess, call func() (int, map[string]any), want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _ := call()
		if code == want {
			return
		}
		if !srv.alive() || time.Now().After(deadline) {
			t.Fatalf("want %d, still %d (server alive: %v): %s", want, code, srv.alive(), srv.log(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v %s", name, args, err, out)
	}
}
