package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testRefreshFamily: GetRefreshFamily answers what GetRefreshToken and
// then GetGrant answer, rotated tokens included; a grant that expired
// before its token comes back nil; an unknown, expired or revoked token
// is ErrNotFound.
func testRefreshFamily(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	g, rt1 := newGrant("g1", now), newRT("rt1", "g1", now)
	must(t, "CreateGrant", s.CreateGrant(ctx, g, &rt1))
	_, err := s.RotateRefreshToken(ctx, "rt1", newRT("rt2", "g1", now), at("at-2", now), now)
	must(t, "RotateRefreshToken", err)
	short := newGrant("g2", now)
	short.ExpiresAt = now.Add(time.Hour) // before its token's 24 hours
	rt3 := newRT("rt3", "g2", now)
	must(t, "CreateGrant short", s.CreateGrant(ctx, short, &rt3))

	for _, h := range []string{"rt1", "rt2", "rt3"} {
		rt, g, err := s.GetRefreshFamily(ctx, h)
		must(t, "GetRefreshFamily "+h, err)
		wantRT, err := s.GetRefreshToken(ctx, h)
		must(t, "GetRefreshToken "+h, err)
		same(t, "GetRefreshFamily token "+h, rt, wantRT)
		wantG, err := s.GetGrant(ctx, wantRT.GrantID)
		must(t, "GetGrant "+h, err)
		if g == nil {
			t.Fatalf("GetRefreshFamily %s: no grant, want %s", h, wantRT.GrantID)
		}
		if g.AccessJTIs == nil { // may be left out
			wantG.AccessJTIs = nil
		}
		same(t, "GetRefreshFamily grant "+h, *g, wantG)
	}
	_, _, err = s.GetRefreshFamily(ctx, "nope")
	wantErr(t, "GetRefreshFamily unknown", err, authcore.ErrNotFound)

	clk.Advance(2 * time.Hour) // g2 expired, rt3 not
	rt, g2, err := s.GetRefreshFamily(ctx, "rt3")
	must(t, "GetRefreshFamily of an expired grant", err)
	if rt.Hash != "rt3" || g2 != nil {
		t.Errorf("GetRefreshFamily of an expired grant: %+v, grant %+v; want rt3 and no grant", rt, g2)
	}
	must(t, "RevokeGrant", s.RevokeGrant(ctx, "g1", "test", clk.Now()))
	_, _, err = s.GetRefreshFamily(ctx, "rt2")
	wantErr(t, "GetRefreshFamily of a revoked family", err, authcore.ErrNotFound)
	clk.Advance(24 * time.Hour)
	_, _, err = s.GetRefreshFamily(ctx, "rt3")
	wantErr(t, "GetRefreshFamily expired", err, authcore.ErrNotFound)
}
