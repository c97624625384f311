package server

import (
	"context"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// RestoreRevocations applies again exactly the revocations the store
// lacks and that still matter, from what the events carry.
func TestRestoreRevocations(t *testing.T) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Now()
	for _, id := range []string{"live", "already"} {
		if err := st.CreateGrant(ctx, authcore.Grant{ID: id, ClientID: "c", UserID: "u", CreatedAt: now,
			ExpiresAt: now.Add(time.Hour), AccessJTIs: []authcore.IssuedToken{{JTI: "at-of-" + id, ExpiresAt: now.Add(time.Minute)}}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RevokeGrant(ctx, "already", "x", now); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeAccessToken(ctx, authcore.Revocation{JTI: "kept", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ev := func(age time.Duration, d map[string]any) audit.Event {
		return audit.Event{Type: audit.TokenRevoked, Time: now.Add(-age), Details: d}
	}
	events := []audit.Event{
		ev(time.Minute, map[string]any{"jti": "lost", "exp": float64(now.Add(time.Hour).Unix())}),
		ev(time.Minute, map[string]any{"jti": "lost-no-exp"}), // older events carry no exp
		ev(time.Minute, map[string]any{"jti": "kept", "exp": float64(now.Add(time.Hour).Unix())}),
		ev(2*time.Hour, map[string]any{"jti": "expired", "exp": float64(now.Add(-time.Hour).Unix())}),
		ev(48*time.Hour, map[string]any{"jti": "old-no-exp"}),
		ev(time.Minute, map[string]any{"grant_id": "live", "reason": "stolen"}),
		ev(time.Minute, map[string]any{"grant_id": "already"}),
		ev(time.Minute, map[string]any{"grant_id": "gone"}),
	}
	r, err := RestoreRevocations(ctx, st, events, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.AccessTokens != 2 || r.Grants != 1 {
		t.Errorf("restored %+v, want 2 access tokens and 1 grant", r)
	}
	for jti, want := range map[string]bool{"lost": true, "lost-no-exp": true, "kept": true, "expired": false, "old-no-exp": false, "at-of-live": true} {
		if got, _ := st.IsRevoked(ctx, jti); got != want {
			t.Errorf("IsRevoked(%s) = %v, want %v", jti, got, want)
		}
	}
	if g, _ := st.GetGrant(ctx, "live"); !g.Revoked || g.RevokedReason != "stolen (restored from the audit log)" {
		t.Errorf("grant live: revoked %v, reason %q", g.Revoked, g.RevokedReason)
	}
	if r, _ := RestoreRevocations(ctx, st, events, now); r.Total() != 0 {
		t.Errorf("a second restore applied %+v again", r)
	}
}
