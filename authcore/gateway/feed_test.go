package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
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
