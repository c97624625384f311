package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// startForShutdown starts `latchkey serve` on a temporary data directory
// with the given shutdown timeout.
func startForShutdown(t *testing.T, timeout time.Duration) *instance {
	t.Helper()
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	in.shutdownTimeout = timeout
	return in
}

// timedStop runs in.stop and reports how long it took and its error.
func timedStop(in *instance) (time.Duration, error) {
	began := time.Now()
	err := in.stop()
	return time.Since(began), err
}

// TestShutdownEndsFeedStreams: an open revocation-feed stream ends when
// the shutdown starts, instead of holding it until the deadline (it used
// to cost every SIGTERM the full 10 s).
func TestShutdownEndsFeedStreams(t *testing.T) {
	in := startForShutdown(t, 10*time.Second)
	token, err := in.srv.NewFeedToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", in.issuer+"/revocations/feed", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for line := ""; !strings.HasPrefix(line, "event: synced"); {
		if line, err = r.ReadString('\n'); err != nil {
			t.Fatalf("feed before shutdown: %v", err)
		}
	}
	ended := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, r); ended <- err }()
	took, err := timedStop(in)
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	if took > 3*time.Second {
		t.Errorf("stop took %s with a feed stream open; want it to end the stream at once", took)
	}
	select {
	case <-ended:
	case <-time.After(2 * time.Second):
		t.Error("the feed stream is still open after the shutdown")
	}
}

// TestShutdownCutsSlowUploads: a client that trickles a request body
// holds the shutdown only until the drain deadline.
func TestShutdownCutsSlowUploads(t *testing.T) {
	in := startForShutdown(t, 3*time.Second)
	conn, err := net.Dial("tcp", in.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /token HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n", in.ln.Addr())
	stopTrickle := make(chan struct{})
	defer close(stopTrickle)
	go func() {
		for {
			select {
			case <-stopTrickle:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := conn.Write([]byte("a")); err != nil {
					return
				}
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // the request is in flight
	took, _ := timedStop(in)
	if took > 4*time.Second {
		t.Errorf("stop took %s with a slow upload; want it cut at the 3 s deadline", took)
	}
}

// TestShutdownBoundedWhenDataDirectoryIsGone reproduces issue 17: with the
// data directory removed while the server runs, closing the store retried
// a memtable flush once a second for ever and the process never exited.
// Now the shutdown ends at its deadline with an error (a non-zero exit).
func TestShutdownBoundedWhenDataDirectoryIsGone(t *testing.T) {
	in := startForShutdown(t, 3*time.Second)
	ctx := context.Background()
	for i := range 20 { // records in the memtables of the store and the audit log
		if _, _, err := in.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: fmt.Sprint("svc", i), Type: authcore.Confidential,
			GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(in.dataDir); err != nil {
		t.Fatal(err)
	}
	took, err := timedStop(in)
	if err == nil {
		t.Error("stop returned nil although the data directory was gone")
	}
	if took > 4*time.Second {
		t.Errorf("stop took %s; want at most the 3 s deadline", took)
	}
	t.Logf("stop: %v after %s (incomplete: %v)", err, took.Round(time.Millisecond), errors.Is(err, errShutdownIncomplete))
}
