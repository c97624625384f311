package multinode_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
)

// cuttable is a gateway's transport the test can cut: while down every
// connection fails, and cut ends the open stream. It keeps what each
// connection sent and received.
type cuttable struct {
	mu    sync.Mutex
	down  bool
	open  io.Closer
	conns []*feedConn
}

type feedConn struct {
	lastEventID string
	body        bytes.Buffer
}

func (c *cuttable) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return nil, errors.New("network down")
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	fc := &feedConn{lastEventID: req.Header.Get("Last-Event-ID")}
	c.conns = append(c.conns, fc)
	c.open = resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(resp.Body, lockedWriter{&c.mu, &fc.body}), resp.Body}
	return resp, nil
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// cut takes the network down and ends the open stream; up brings it back.
func (c *cuttable) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = true
	if c.open != nil {
		c.open.Close()
	}
}

func (c *cuttable) up() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = false
}

// conn returns connection i's Last-Event-ID and how many revocations it
// carried before its "synced" event.
func (c *cuttable) conn(i int) (lastEventID string, caughtUp int, synced string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fc := c.conns[i]
	head, rest, _ := strings.Cut(fc.body.String(), "event: synced\n")
	synced, _, _ = strings.Cut(rest, "\n")
	return fc.lastEventID, strings.Count(head, "event: revoked\n"), synced
}

// TestGatewayResumesFromCursor: a standalone gateway's feed client,
// cut off while three tokens are revoked at another node, reconnects
// with the cursor its last stream gave it and gets only those three
// (not the whole list of 30 revocations): it refuses them as soon as it
// reports itself in sync. A cursor the store does not honour gets the
// full snapshot.
func TestGatewayResumesFromCursor(t *testing.T) {
	_, nodes := startCluster(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	for i := range 30 {
		if err := a.srv.Store.RevokeAccessToken(ctx, authcore.Revocation{JTI: fmt.Sprintf("before-%d", i), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	cred, err := a.srv.NewFeedToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tr := &cuttable{}
	fc := gateway.NewFeedClient(a.url+"/revocations/feed", cred, gateway.FeedClientConfig{
		Client: &http.Client{Transport: tr}, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	fc.Start(ctx)
	defer fc.Close()
	within(t, 5*time.Second, "first sync", fc.Connected)
	if id, n, _ := tr.conn(0); id != "" || n < 30 {
		t.Fatalf("first connection: Last-Event-ID %q, %d revocations; want none and the full list", id, n)
	}

	tr.cut()
	within(t, 2*time.Second, "the gateway notices the cut", func() bool { return !fc.Connected() })
	missed := []string{"missed-1", "missed-2", "missed-3"}
	for _, jti := range missed {
		if err := b.srv.Store.RevokeAccessToken(ctx, authcore.Revocation{JTI: jti, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	tr.up()
	within(t, 5*time.Second, "sync again", fc.Connected)
	for _, jti := range missed {
		if revoked, err := fc.IsRevoked(ctx, jti); !revoked || err != nil {
			t.Errorf("%s revoked while the gateway was cut off: IsRevoked = %v, %v", jti, revoked, err)
		}
	}
	last := len(tr.conns) - 1
	id, n, synced := tr.conn(last)
	if id == "" || n < len(missed) || n >= 10 || !strings.Contains(synced, `"delta":true`) {
		t.Fatalf("reconnection: Last-Event-ID %q, %d revocations before %q; want the cursor, and only the %d missed ones",
			id, n, synced, len(missed))
	}
	if revoked, _ := fc.IsRevoked(ctx, "before-0"); !revoked {
		t.Error("a revocation of the first snapshot was forgotten")
	}

	// A cursor the store no longer honours (or never issued) gets the full snapshot.
	for _, stale := range []string{"v1.3.1", "garbage"} {
		req, _ := http.NewRequest("GET", b.url+"/revocations/feed", nil)
		req.Header.Set("Authorization", "Bearer "+cred)
		req.Header.Set("Last-Event-ID", stale)
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		count, sc := 0, bufio.NewScanner(resp.Body)
		for sc.Scan() && sc.Text() != "event: synced" {
			if sc.Text() == "event: revoked" {
				count++
			}
		}
		sc.Scan()
		data := sc.Text()
		resp.Body.Close()
		cancel()
		if count < 33 || !strings.Contains(data, `"delta":false`) {
			t.Errorf("Last-Event-ID %q: %d revocations, %q; want the full snapshot", stale, count, data)
		}
	}
}
