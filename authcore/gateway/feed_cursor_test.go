package gateway

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// stepLog is a revocation log with two cursors: c1 (now) and c2, after
// the revocation "late", which the broadcast never passed on.
type stepLog struct {
	mu    sync.Mutex
	since []string // the cursors asked for
}

func (l *stepLog) RevocationCursor(context.Context) (string, error) { return "c1", nil }

func (l *stepLog) RevocationsSince(_ context.Context, c string) ([]authcore.Revocation, string, error) {
	l.mu.Lock()
	l.since = append(l.since, c)
	l.mu.Unlock()
	switch c {
	case "c1":
		return []authcore.Revocation{{JTI: "late", ExpiresAt: time.Now().Add(time.Hour)}}, "c2", nil
	case "c2":
		return nil, "c2", nil
	}
	return nil, "", authcore.ErrCursorExpired
}

// TestFeedCursor: with a revocation log, the snapshot's synced event
// carries the cursor taken before it; each heartbeat sends what the log
// holds since the stream's cursor (a revocation the broadcast missed)
// before the next cursor; a stream resumed from a cursor gets the delta
// alone, and one from an unknown cursor the full snapshot.
func TestFeedCursor(t *testing.T) {
	b := NewBroadcaster(func(context.Context) ([]authcore.Revocation, error) {
		return []authcore.Revocation{{JTI: "old", ExpiresAt: time.Now().Add(time.Hour)}}, nil
	})
	log := &stepLog{}
	srv := httptest.NewServer(FeedHandler(b, FeedConfig{Heartbeat: 30 * time.Millisecond, Log: log,
		Authorize: func(_ context.Context, cred string) bool { return cred == "s3cret" }}))
	defer srv.Close()
	read := func(lastEventID string, lines int) []string {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Authorization", "Bearer s3cret")
		if lastEventID != "" {
			req.Header.Set("Last-Event-ID", lastEventID)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out []string
		sc := bufio.NewScanner(resp.Body)
		for len(out) < lines && sc.Scan() {
			if l := sc.Text(); l != "" && !strings.HasPrefix(l, ":") {
				out = append(out, l)
			}
		}
		return out
	}
	want := strings.Join([]string{
		"event: revoked", `data: {"jti":"old","exp":`, "id: c1", "event: synced", `data: {"delta":false}`,
		"event: revoked", `data: {"jti":"late","exp":`, "id: c2", "event: cursor", "data: {}"}, "\n")
	if got := strings.Join(read("", 10), "\n"); !matchPrefixes(got, want) {
		t.Fatalf("new stream:\n%s\nwant:\n%s", got, want)
	}
	want = strings.Join([]string{"event: revoked", `data: {"jti":"late","exp":`, "id: c2", "event: synced", `data: {"delta":true}`}, "\n")
	if got := strings.Join(read("c1", 5), "\n"); !matchPrefixes(got, want) {
		t.Fatalf("resumed from c1:\n%s\nwant:\n%s", got, want)
	}
	want = strings.Join([]string{"event: revoked", `data: {"jti":"old","exp":`, "id: c1", "event: synced", `data: {"delta":false}`}, "\n")
	if got := strings.Join(read("c0", 5), "\n"); !matchPrefixes(got, want) {
		t.Fatalf("resumed from an unknown cursor:\n%s\nwant:\n%s", got, want)
	}
}

// matchPrefixes reports whether each line of got starts with the same
// line of want, and there are as many.
func matchPrefixes(got, want string) bool {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if !strings.HasPrefix(g[i], w[i]) {
			return false
		}
	}
	return true
}
