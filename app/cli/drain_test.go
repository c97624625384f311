package cli

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMDrains runs `latchkey serve --node-id node-7` as a process:
// the node id is in its logs and metrics; on SIGTERM its
// /readyz answers 503 "draining" at once while the listener still takes
// requests, a request in flight finishes with its answer, and the process
// exits 0 within the 10 s shutdown.
func TestSIGTERMDrains(t *testing.T) {
	p := startServer(t, t.TempDir(), "--drain-delay", "1500ms", "--node-id", "node-7")
	resp, err := http.Get(p.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"node_id":"node-7"`) {
		t.Fatalf("readyz before SIGTERM: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(p.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `latchkey_node_info{node_id="node-7",version=`) {
		t.Errorf("/metrics has no latchkey_node_info for node-7")
	}
	// A request in flight: headers sent, the body not yet.
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	form := "grant_type=client_credentials&client_id=nobody"
	fmt.Fprintf(conn, "POST /token HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		strings.TrimPrefix(p.base, "http://"), len(form), form[:10])
	time.Sleep(100 * time.Millisecond)

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var ready int
	for ready != http.StatusServiceUnavailable && time.Since(start) < time.Second {
		resp, err := http.Get(p.base + "/readyz")
		if err != nil {
			t.Fatalf("the listener closed before the drain delay: %v", err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		ready = resp.StatusCode
	}
	if ready != http.StatusServiceUnavailable || !strings.Contains(string(body), `"reason":"draining"`) {
		t.Fatalf("readyz after SIGTERM: %d %s, want 503 draining", ready, body)
	}
	if _, err := conn.Write([]byte(form[10:])); err != nil {
		t.Fatal(err)
	}
	tokenResp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	tokenResp.Body.Close()
	if tokenResp.StatusCode != http.StatusUnauthorized && tokenResp.StatusCode != http.StatusBadRequest {
		t.Errorf("the request in flight: %d, want the token endpoint's own answer", tokenResp.StatusCode)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d, want 0: %s", code, p.log(t))
	}
	if !strings.Contains(p.log(t), `"node":"node-7"`) {
		t.Errorf("the log lines carry no node id: %s", p.log(t))
	}
	t.Logf("exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
}
