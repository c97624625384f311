package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
)

// housekeepingRecorder keeps what the server reported.
type housekeepingRecorder struct {
	mu        sync.Mutex
	collected []int
	jumps     []time.Duration
}

func (h *housekeepingRecorder) hooks() server.Housekeeping {
	return server.Housekeeping{
		Collected: func(n int, err error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			if err == nil {
				h.collected = append(h.collected, n)
			}
		},
		ClockJumped: func(skew time.Duration) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.jumps = append(h.jumps, skew)
		},
	}
}

// jumpClock is a wall clock and a monotonic clock that tests move apart.
type jumpClock struct {
	mu   sync.Mutex
	wall time.Time
	mono time.Duration
}

func (c *jumpClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.wall }

func (c *jumpClock) Elapsed() time.Duration { c.mu.Lock(); defer c.mu.Unlock(); return c.mono }

// Advance moves the wall clock by wall and the monotonic clock by mono.
func (c *jumpClock) Advance(wall, mono time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall, c.mono = c.wall.Add(wall), c.mono+mono
}

// clientCalls returns two ways to POST a form to the server as a
// confidential client (client_secret_basic): send returns the answer,
// post decodes its JSON.
func clientCalls(t *testing.T, issuer, id, secret string) (send func(string, url.Values) *http.Response, post func(string, url.Values) map[string]any) {
	send = func(path string, form url.Values) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", issuer+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(id, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	post = func(path string, form url.Values) map[string]any {
		t.Helper()
		var out map[string]any
		decode(t, send(path, form), &out)
		return out
	}
	return send, post
}

// TestClockJumpKeepsRevocation reproduces the fault test of issue 17: the
// wall clock jumps a day ahead, the collector runs during the jump, the
// clock comes back, and the token, still valid by its exp, must still be
// revoked. The jump is reported once; the collector judged by the
// monotonic clock. Before the fix the collector took the wall clock's
// word and deleted the revocation for good.
func TestClockJumpKeepsRevocation(t *testing.T) {
	clk := &jumpClock{wall: time.Now()}
	advance := clk.Advance
	var rec housekeepingRecorder
	srv, issuer := servertest.Start(t, func(c *server.Config) {
		c.Now, c.Elapsed, c.Housekeeping = clk.Now, clk.Elapsed, rec.hooks()
	})
	ctx := context.Background()
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}, Audience: []string{issuer}})
	if err != nil {
		t.Fatal(err)
	}
	send, post := clientCalls(t, issuer, c.ID, secret)
	tok, _ := post("/token", url.Values{"grant_type": {"client_credentials"}})["access_token"].(string)
	if tok == "" {
		t.Fatal("no access token")
	}
	if resp := send("/revoke", url.Values{"token": {tok}}); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
	if in := post("/introspect", url.Values{"token": {tok}}); in["active"] != false {
		t.Fatalf("introspection after revocation: %v", in)
	}

	advance(24*time.Hour, time.Minute) // the wall clock jumps a day ahead
	srv.Housekeep(ctx)
	advance(-24*time.Hour+time.Minute, time.Minute) // and comes back
	srv.Housekeep(ctx)

	if in := post("/introspect", url.Values{"token": {tok}}); in["active"] != false {
		t.Fatalf("after a clock jump and its return the revoked token is active again: %v", in)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.jumps) != 2 || rec.jumps[0] < 23*time.Hour || rec.jumps[1] > time.Minute {
		t.Errorf("clock jumps reported: %v; want the jump ahead, then the return", rec.jumps)
	}
	if len(rec.collected) != 2 {
		t.Errorf("collections reported: %v, want 2", rec.collected)
	}
}

// TestHousekeepReportsCollected: what the collector removed reaches the
// hook (the /metrics counter of latchkey serve), judged by the injected
// clock, and a clock that moves with the monotonic one is no jump.
func TestHousekeepReportsCollected(t *testing.T) {
	clk := &jumpClock{wall: time.Now()}
	var rec housekeepingRecorder
	srv, _ := servertest.Start(t, func(c *server.Config) {
		c.Now, c.Elapsed, c.Housekeeping = clk.Now, clk.Elapsed, rec.hooks()
	})
	ctx := context.Background()
	now := clk.Now()
	for _, jti := range []string{"a", "b", "c"} {
		if err := srv.Store.RevokeAccessToken(ctx, authcore.Revocation{JTI: jti, ExpiresAt: now.Add(time.Minute), RevokedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	srv.Housekeep(ctx)
	clk.Advance(time.Hour, time.Hour)
	srv.Housekeep(ctx)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.collected) != 2 || rec.collected[0] != 0 || rec.collected[1] != 3 {
		t.Errorf("collected per round: %v, want [0 3]", rec.collected)
	}
	if len(rec.jumps) != 0 {
		t.Errorf("clock jumps reported: %v, want none", rec.jumps)
	}
}
