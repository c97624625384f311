package login

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// touchCounter counts the store's TouchSession calls.
type touchCounter struct {
	authcore.Storage
	n atomic.Int32
}

func (s *touchCounter) TouchSession(ctx context.Context, id string, now time.Time, ip string) error {
	s.n.Add(1)
	return s.Storage.TouchSession(ctx, id, now, ip)
}

// TestSessionLastSeen: using a session (authorization with single
// sign-on, the account page) records its last use at most once per
// authcore.SessionTouchInterval; the account page shows it; use never
// lengthens the session's life.
func TestSessionLastSeen(t *testing.T) {
	var st *touchCounter
	e := newEnv(t, func(c *Config) { st = &touchCounter{Storage: c.Store}; c.Store = st })
	ctx := context.Background()
	c := e.browser()
	signedIn := e.clock.Now()
	e.login(c, accountPath)
	contains(t, e.accountPage(c), "last seen "+stamp(signedIn)+" from 127.0.0.1")
	s, ok := e.sessionOf(c)
	if !ok {
		t.Fatal("no session after login")
	}
	authorize := func(when string) {
		t.Helper()
		if resp, _ := e.get(c, "/authorize"); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("authorize %s: %d, want the signed-in 204", when, resp.StatusCode)
		}
	}
	stored := func() authcore.Session {
		t.Helper()
		got, err := e.store.GetSession(ctx, s.ID)
		must(t, err)
		return got
	}

	// Within the interval of the sign-in: no write at all.
	e.clock.Advance(authcore.SessionTouchInterval - time.Second)
	authorize("within the interval")
	e.accountPage(c)
	if n := st.n.Load(); n != 0 {
		t.Fatalf("%d store writes for uses within %v of the sign-in, want none", n, authcore.SessionTouchInterval)
	}
	if got := stored(); !got.LastSeenAt.IsZero() {
		t.Fatalf("last seen recorded within the interval: %v", got.LastSeenAt)
	}

	// Ten minutes later: one write, at that time.
	e.clock.Advance(10*time.Minute - authcore.SessionTouchInterval + time.Second)
	used := e.clock.Now()
	authorize("ten minutes later")
	if n := st.n.Load(); n != 1 {
		t.Fatalf("%d store writes for a use after the interval, want 1", n)
	}
	if got := stored(); !got.LastSeenAt.Equal(used) || got.LastSeenIP != "127.0.0.1" || !got.ExpiresAt.Equal(s.ExpiresAt) {
		t.Fatalf("after a use at %v: last seen %v from %q, expiry %v (was %v)", used, got.LastSeenAt, got.LastSeenIP, got.ExpiresAt, s.ExpiresAt)
	}
	// The account page shows it, and looking at it within the interval
	// writes nothing more.
	e.clock.Advance(30 * time.Second)
	page := e.accountPage(c)
	contains(t, page, "last seen "+stamp(used)+" from 127.0.0.1", "signed in "+stamp(signedIn))
	if n := st.n.Load(); n != 1 {
		t.Fatalf("%d store writes after the account page within the interval, want 1", n)
	}

	// A use just before the end does not keep the session alive.
	e.clock.Advance(s.ExpiresAt.Sub(e.clock.Now()) - time.Second)
	authorize("just before the expiry")
	if n := st.n.Load(); n != 2 {
		t.Fatalf("%d store writes, want 2", n)
	}
	e.clock.Advance(time.Second)
	if resp, _ := e.get(c, accountPath); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("account page at the session's original expiry: %d, want 303 to login", resp.StatusCode)
	}
}
