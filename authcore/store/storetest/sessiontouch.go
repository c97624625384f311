package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testSessionTouch checks TouchSession: it records the last use, never
// moves it back, never changes the expiry or anything else, and refuses
// unknown and expired sessions.
func testSessionTouch(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	a := newSession("s1", "u", now, time.Hour)
	copied := newSession("s2", "u", now, time.Hour) // as a store copy brings it
	copied.LastSeenAt, copied.LastSeenIP = now.Add(-time.Minute), "2001:db8::5"
	for _, ss := range []authcore.Session{a, copied} {
		must(t, "CreateSession "+ss.ID, s.CreateSession(ctx, ss))
	}
	got, err := s.GetSession(ctx, "s2")
	must(t, "GetSession copied", err)
	same(t, "GetSession keeps a created session's last use", got, copied)

	later := now.Add(2 * time.Minute)
	must(t, "TouchSession", s.TouchSession(ctx, "s1", later, "198.51.100.9"))
	want := a
	want.LastSeenAt, want.LastSeenIP = later, "198.51.100.9"
	got, err = s.GetSession(ctx, "s1")
	must(t, "GetSession after touch", err)
	same(t, "GetSession after touch (last use set, expiry and the rest unchanged)", got, want)
	list, err := s.ListSessions(ctx, "u")
	must(t, "ListSessions after touch", err)
	same(t, "ListSessions after touch", sorted(list, func(s authcore.Session) string { return s.ID }), []authcore.Session{want, copied})

	// A late or concurrent touch never moves the last use back.
	for _, at := range []time.Time{later, now.Add(time.Minute)} {
		must(t, "TouchSession not after the last use", s.TouchSession(ctx, "s1", at, "203.0.113.1"))
	}
	got, _ = s.GetSession(ctx, "s1")
	same(t, "GetSession after older touches", got, want)

	wantErr(t, "TouchSession unknown", s.TouchSession(ctx, "nope", later, "192.0.2.1"), authcore.ErrNotFound)
	wantErr(t, "TouchSession at the expiry", s.TouchSession(ctx, "s1", a.ExpiresAt, "192.0.2.1"), authcore.ErrNotFound)
	got, _ = s.GetSession(ctx, "s1")
	same(t, "GetSession after a refused touch", got, want)

	// Touching just before the expiry does not keep the session alive.
	must(t, "TouchSession just before the expiry", s.TouchSession(ctx, "s1", a.ExpiresAt.Add(-time.Millisecond), "192.0.2.2"))
	clk.Advance(time.Hour)
	_, err = s.GetSession(ctx, "s1")
	wantErr(t, "GetSession at the unchanged expiry", err, authcore.ErrNotFound)
}

// testSessionTouchRace touches one session from many goroutines at
// different times: the latest touch that succeeded is what stays, whatever
// the order they ran in.
func testSessionTouchRace(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	must(t, "CreateSession", s.CreateSession(ctx, newSession("s1", "u", now, time.Hour)))
	const n = 8
	var wg sync.WaitGroup
	ok := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			err := s.TouchSession(ctx, "s1", now.Add(time.Duration(i+1)*time.Minute), fmt.Sprintf("192.0.2.%d", i+1))
			if err != nil && !errors.Is(err, authcore.ErrConflict) {
				t.Errorf("TouchSession %d: %v", i, err)
			}
			ok[i] = err == nil
		})
	}
	wg.Wait()
	latest := slices.Index(ok, true) // ErrConflict only when writers kept winning: one did
	for i := range ok {
		if ok[i] {
			latest = i
		}
	}
	if latest < 0 {
		t.Fatal("no touch succeeded")
	}
	got, err := s.GetSession(ctx, "s1")
	must(t, "GetSession", err)
	same(t, "last use after the race", got.LastSeenAt, now.Add(time.Duration(latest+1)*time.Minute))
	same(t, "last IP after the race", got.LastSeenIP, fmt.Sprintf("192.0.2.%d", latest+1))
}
