package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"
)

// serverCore and loadCore are the cores the measured process and the
// load generator run on.
const (
	serverCore = 0
	loadCore   = 1
)

// Server is a measured HTTP server process: latchkey serve or one of
// lkbench's own reference servers.
type Server struct {
	*Proc
	URL string // http://127.0.0.1:port
}

// FreeAddr returns a loopback address with a port free at the time of the
// call.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// StartLatchkey starts `bin serve` on a free loopback port over dataDir,
// pinned to the server core with GOMAXPROCS=1, and waits for /healthz.
// The token endpoint's rate ceilings are raised to 1,000,000/s, so the
// limiter still runs on every request but never refuses the load.
func StartLatchkey(ctx context.Context, bin, dataDir string, extra ...string) (*Server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	argv := append([]string{bin, "serve", "--addr", addr, "--data", dataDir, "--log-level", "warn",
		"--token-rate-per-client", "1000000/s", "--token-rate-per-ip", "1000000/s"}, extra...)
	p, err := StartPinned("latchkey serve", serverCore, 1, filepath.Join(dataDir, "..", "server.log"), argv...)
	if err != nil {
		return nil, err
	}
	s := &Server{Proc: p, URL: "http://" + addr}
	if err := s.waitReady(ctx, "/healthz"); err != nil {
		p.Stop()
		return nil, err
	}
	return s, nil
}

// StartChild starts lkbench itself in a hidden child mode (bare handler,
// bare proxy) pinned like the server, and waits until it answers path.
func StartChild(ctx context.Context, logPath, mode, path string, args ...string) (*Server, error) {
	self, err := selfPath()
	if err != nil {
		return nil, err
	}
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	argv := append([]string{self, "-child", mode, "-addr", addr}, args...)
	p, err := StartPinned(mode, serverCore, 1, logPath, argv...)
	if err != nil {
		return nil, err
	}
	s := &Server{Proc: p, URL: "http://" + addr}
	if err := s.waitReady(ctx, path); err != nil {
		p.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls path until it answers 200, the process ends, or 30 s
// pass.
func (s *Server) waitReady(ctx context.Context, path string) error {
	deadline := time.Now().Add(30 * time.Second)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		if s.Exited() {
			return fmt.Errorf("bench: %s exited at start:\n%s", s.Name, s.logTail())
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("bench: %s not ready after 30 s:\n%s", s.Name, s.logTail())
}
