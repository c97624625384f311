package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testGarbageCollect writes one short-lived and one long-lived record of
// every expirable kind, collects at a time between the two expiries, and
// checks that exactly the short-lived ones went. Records are then probed
// with times before their expiry, so only a real deletion explains a
// miss.
func testGarbageCollect(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	soon, later := now.Add(time.Hour), now.Add(3*time.Hour)
	gcAt := now.Add(2 * time.Hour)

	for hash, exp := range map[string]time.Time{"code-soon": soon, "code-later": later} {
		c := newCode(hash, now)
		c.ExpiresAt = exp
		must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	}
	for id, exp := range map[string]time.Time{"s-soon": soon, "s-later": later} {
		ss := newSession(id, "u1", now, 0)
		ss.ExpiresAt = exp
		must(t, "CreateSession", s.CreateSession(ctx, ss))
	}
	g := newGrant("g1", now)
	g.AccessJTIs = nil
	rtSoon, rtLater := newRT("rt-soon", "g1", now), newRT("rt-later", "g1", now)
	rtSoon.ExpiresAt, rtLater.ExpiresAt = soon, later
	must(t, "CreateGrant", s.CreateGrant(ctx, g, &rtSoon))
	_, err := s.RotateRefreshToken(ctx, "rt-soon", rtLater, authcore.IssuedToken{}, now)
	must(t, "RotateRefreshToken", err)
	for jti, exp := range map[string]time.Time{"j-soon": soon, "j-later": later} {
		must(t, "RevokeAccessToken", s.RevokeAccessToken(ctx, authcore.Revocation{JTI: jti, ExpiresAt: exp, RevokedAt: now}))
	}

	n, err := s.GarbageCollect(ctx, gcAt)
	must(t, "GarbageCollect", err)
	if n != 4 {
		t.Errorf("GarbageCollect removed %d records, want 4 (code, session, refresh token, revocation)", n)
	}

	_, err = s.ConsumeAuthCode(ctx, "code-soon", "g9", now)
	wantErr(t, "collected code", err, authcore.ErrNotFound)
	_, err = s.ConsumeAuthCode(ctx, "code-later", "g9", now)
	must(t, "surviving code", err)
	_, err = s.GetSession(ctx, "s-soon")
	wantErr(t, "collected session", err, authcore.ErrNotFound)
	_, err = s.GetSession(ctx, "s-later")
	must(t, "surviving session", err)
	if list, _ := s.ListSessions(ctx, "u1"); len(list) != 1 {
		t.Errorf("ListSessions after GC: %d sessions, want 1", len(list))
	}
	_, err = s.GetRefreshToken(ctx, "rt-soon")
	wantErr(t, "collected refresh token", err, authcore.ErrNotFound)
	_, err = s.GetRefreshToken(ctx, "rt-later")
	must(t, "surviving refresh token", err)
	_, err = s.GetGrant(ctx, "g1")
	must(t, "surviving grant", err)
	for jti, want := range map[string]bool{"j-soon": false, "j-later": true} {
		if got, _ := s.IsRevoked(ctx, jti); got != want {
			t.Errorf("IsRevoked(%s) after GC = %v, want %v", jti, got, want)
		}
	}

	n, err = s.GarbageCollect(ctx, gcAt)
	must(t, "GarbageCollect again", err)
	if n != 0 {
		t.Errorf("second GarbageCollect removed %d, want 0", n)
	}
}
