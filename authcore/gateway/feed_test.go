package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

func waitFor(t *testing.T, d time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func TestRevocationFeed(t *testing.T) {
	now := time.Now()
	b := NewBroadcaster(func(context.Context) ([]authcore.Revocation, error) {
		return []authcore.Revocation{{JTI: "old", ExpiresAt: now.Add(time.Hour)}, {JTI: "gone", ExpiresAt: now.Add(-time.Hour)}}, nil
	})
	var down atomic.Bool
	feed := FeedHandler(b, FeedConfig{Heartbeat: 50 * time.Millisecond,
		Authorize: func(_ context.Context, cred string) bool { return cred == "s3cret" }})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		feed.ServeHTTP(w, r)
	}))
	defer srv.Close()

	// A wrong credential is refused.
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Authorization", "Bearer wrong")
	if resp, err := srv.Client().Do(req); err != nil || resp.StatusCode != 401 {
		t.Fatalf("wrong credential: %v %v", resp, err)
	}

	fc := NewFeedClient(srv.URL, "s3cret", FeedClientConfig{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		IdleTimeout: 300 * time.Millisecond})
	if _, err := fc.IsRevoked(context.Background(), "x"); err != ErrFeedDisconnected {
		t.Fatalf("before connecting: %v", err)
	}
	fc.Start(context.Background())
	defer fc.Close()
	waitFor(t, 2*time.Second, fc.Connected)

	iss := newIssuer(t)
	up := echoUpstream(t)
	gw, err := New(Config{Issuer: iss.url, Audience: testAudience, Revocations: fc,
		Keys: NewFuncKeySource(func() ([]byte, string) { return iss.jwks, "v1" }),
		Routes: []Route{{Name: "closed", Prefix: "/closed/", Upstream: up.URL},
			{Name: "open", Prefix: "/open/", Upstream: up.URL, RevocationFailOpen: true}}})
	if err != nil {
		t.Fatal(err)
	}
	call := func(path, jti string) int {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Authorization", bearer(iss.token(time.Now(), func(h, c map[string]any) { c["jti"] = jti })))
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, r)
		return w.Code
	}
	if c := call("/closed/x", "live"); c != 200 {
		t.Fatalf("live token: %d", c)
	}
	if c := call("/closed/x", "old"); c != 401 {
		t.Fatalf("token revoked before connecting (snapshot): %d", c)
	}
	b.Publish(authcore.Revocation{JTI: "live", ExpiresAt: time.Now().Add(time.Hour), RevokedAt: time.Now()})
	took := waitFor(t, time.Second, func() bool { return call("/closed/x", "live") == 401 })
	t.Logf("revocation reached the gateway in %v", took)

	down.Store(true)
	srv.CloseClientConnections()
	waitFor(t, 2*time.Second, func() bool { return !fc.Connected() })
	if c := call("/closed/x", "other"); c != 503 {
		t.Errorf("feed down, fail-closed route: %d", c)
	}
	if c := call("/open/x", "other"); c != 200 {
		t.Errorf("feed down, fail-open route: %d", c)
	}
	if c := call("/open/x", "live"); c != 401 {
		t.Errorf("feed down, known revocation on fail-open route: %d", c)
	}
	down.Store(false)
	waitFor(t, 2*time.Second, fc.Connected)
	if c := call("/closed/x", "other"); c != 200 {
		t.Errorf("after reconnect: %d", c)
	}
}

// TestFeedClientMovesToAnotherNode: when the node whose feed a gateway
// follows goes away, the client moves to the next URL and catches up
// (from that node's snapshot) on a revocation made while it moved.
func TestFeedClientMovesToAnotherNode(t *testing.T) {
	var revoked []authcore.Revocation // the shared store of both nodes
	var mu sync.Mutex
	snapshot := func(context.Context) ([]authcore.Revocation, error) {
		mu.Lock()
		defer mu.Unlock()
		return append([]authcore.Revocation(nil), revoked...), nil
	}
	node := func() (*Broadcaster, *httptest.Server) {
		b := NewBroadcaster(snapshot)
		srv := httptest.NewServer(FeedHandler(b, FeedConfig{Heartbeat: 50 * time.Millisecond,
			Authorize: func(_ context.Context, cred string) bool { return cred == "s3cret" }}))
		t.Cleanup(srv.Close)
		return b, srv
	}
	ba, a := node()
	_, b := node()
	fc := NewFeedClient(a.URL, "s3cret", FeedClientConfig{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		IdleTimeout: 300 * time.Millisecond, Alternates: []string{b.URL}})
	fc.Start(context.Background())
	defer fc.Close()
	waitFor(t, 2*time.Second, fc.Connected)
	if fc.Following() != a.URL {
		t.Fatalf("following %s, want the first URL %s", fc.Following(), a.URL)
	}
	// Node A dies; a revocation is made (on B) that A never published.
	ba.Close()
	a.CloseClientConnections()
	a.Close()
	mu.Lock()
	revoked = append(revoked, authcore.Revocation{JTI: "missed", ExpiresAt: time.Now().Add(time.Hour)})
	mu.Unlock()
	took := waitFor(t, 2*time.Second, func() bool {
		r, err := fc.IsRevoked(context.Background(), "missed")
		return r && err == nil
	})
	if fc.Following() != b.URL || !fc.Connected() {
		t.Fatalf("following %s (connected %v), want %s", fc.Following(), fc.Connected(), b.URL)
	}
	t.Logf("moved to the other node and caught up in %v", took)
}

// revokedSet is a Revocations over a fixed set of keys.
type revokedSet map[string]bool

func (r revokedSet) IsRevoked(_ context.Context, key string) (bool, error) { return r[key], nil }

// A deleted client's tokens are refused as one: the gateway checks the
// client's revocation key beside the token's jti.
func TestDeletedClientTokensRefused(t *testing.T) {
	iss := newIssuer(t)
	up := echoUpstream(t)
	revoked := revokedSet{}
	gw, err := New(Config{Issuer: iss.url, Audience: testAudience, Revocations: revoked,
		Keys:   NewFuncKeySource(func() ([]byte, string) { return iss.jwks, "v1" }),
		Routes: []Route{{Name: "api", Prefix: "/api/", Upstream: up.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	tok := bearer(iss.token(time.Now(), nil)) // client_id c1
	call := func() int {
		r := httptest.NewRequest("GET", "/api/x", nil)
		r.Header.Set("Authorization", tok)
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, r)
		return w.Code
	}
	if c := call(); c != 200 {
		t.Fatalf("before: %d", c)
	}
	revoked[authcore.ClientRevocationJTI("c2")] = true
	if c := call(); c != 200 {
		t.Fatalf("another client deleted: %d", c)
	}
	revoked[authcore.ClientRevocationJTI("c1")] = true
	if c := call(); c != 401 {
		t.Fatalf("its client deleted: %d, want 401", c)
	}
}
