package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
)

// readyz fetches /readyz and decodes its body.
func readyz(t *testing.T, base, path string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: body is not JSON: %v", path, err)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", path, resp.Header.Get("Cache-Control"))
	}
	return resp.StatusCode, body
}

// /healthz is 200 while the process serves; /readyz is 200 until Drain,
// then 503 "draining" while requests are still served.
func TestHealthAndReadiness(t *testing.T) {
	srv, base := servertest.Start(t, func(c *server.Config) { c.NodeID = "node-1" })
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := readyz(t, base, path); code != http.StatusOK || body["node_id"] != "node-1" {
			t.Errorf("%s: %d %v", path, code, body)
		}
	}
	srv.Drain()
	if code, body := readyz(t, base, "/readyz"); code != http.StatusServiceUnavailable || body["reason"] != server.NotReadyDraining {
		t.Errorf("/readyz after Drain: %d %v, want 503 draining", code, body)
	}
	if code, _ := readyz(t, base, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz after Drain: %d, want 200", code)
	}
	if resp, err := http.Get(base + "/jwks.json"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("a draining server stopped serving: %v %v", resp, err)
	}
}

// Two servers on one store, given the same node id as two processes on
// one host would by default: one holds the background lease; Run hands
// it back when it ends, and the other takes it.
func TestBackgroundLeaseOneHolder(t *testing.T) {
	a, _ := servertest.Start(t, func(c *server.Config) { c.NodeID = "host" })
	b, err := server.New(context.Background(), server.Config{Issuer: a.Issuer, Store: a.Store, Logger: zerolog.Nop(),
		KeyAlgorithms: []string{"ES256"}, NodeID: "host"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.OIDC.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	for !a.Leader() {
		select {
		case <-done:
			t.Fatal("Run ended")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if b.Lease(context.Background()) {
		t.Fatal("b took the lease a holds")
	}
	cancel()
	<-done
	if a.Leader() || !b.Lease(context.Background()) {
		t.Fatal("a's lease was not handed back when its Run ended")
	}
}
