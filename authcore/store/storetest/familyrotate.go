package storetest

import (
	"slices"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// testReadThenRotate: a refresh reads its family (GetRefreshFamily),
// checks it, then rotates. Whatever happened to the records in between
// decides the rotation, not what the read saw: another rotation makes it
// ErrConsumed, a revocation ErrNotFound, an access token recorded
// meanwhile stays on the grant. And what the caller does to the records
// it was given never reaches the store. (Badger reuses what the read
// decoded when the stored bytes are unchanged.)
func testReadThenRotate(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	read := func(hash string) (authcore.RefreshToken, *authcore.Grant) {
		t.Helper()
		rt, g, err := s.GetRefreshFamily(ctx, hash)
		must(t, "GetRefreshFamily "+hash, err)
		if g == nil {
			t.Fatalf("GetRefreshFamily %s: no grant", hash)
		}
		return rt, g
	}

	// Another rotation between the read and this one: reuse.
	g1, rt1 := newGrant("g1", now), newRT("rt1", "g1", now)
	must(t, "CreateGrant g1", s.CreateGrant(ctx, g1, &rt1))
	read("rt1")
	_, err := s.RotateRefreshToken(ctx, "rt1", newRT("rt2", "g1", now), at("at-2", now), now)
	must(t, "RotateRefreshToken rt1", err)
	_, err = s.RotateRefreshToken(ctx, "rt1", newRT("rt2b", "g1", now), at("at-2b", now), now)
	wantErr(t, "rotation of a token rotated since it was read", err, authcore.ErrConsumed)

	// A revocation between the read and the rotation: no successor.
	read("rt2")
	must(t, "RevokeGrant g1", s.RevokeGrant(ctx, "g1", "test", now))
	_, err = s.RotateRefreshToken(ctx, "rt2", newRT("rt3", "g1", now), at("at-3", now), now)
	wantErr(t, "rotation of a family revoked since it was read", err, authcore.ErrNotFound)
	if _, err := s.GetRefreshToken(ctx, "rt3"); err == nil {
		t.Error("a successor was stored behind the revocation")
	}

	// An access token recorded between the read and the rotation, and a
	// caller that scribbles on what it read.
	g4, rt4 := newGrant("g4", now), newRT("rt4", "g4", now)
	must(t, "CreateGrant g4", s.CreateGrant(ctx, g4, &rt4))
	rt, g := read("rt4")
	rt.Scopes[0], g.Scopes[0], g.Audience[0], g.AMR[0] = "x", "x", "x", "x"
	g.AccessJTIs = append(g.AccessJTIs[:0], authcore.IssuedToken{JTI: "forged", ExpiresAt: now.Add(5 * 60e9)})
	must(t, "AddAccessToken", s.AddAccessToken(ctx, "g4", at("at-meanwhile", now)))
	old, err := s.RotateRefreshToken(ctx, "rt4", newRT("rt5", "g4", now), at("at-5", now), now)
	must(t, "RotateRefreshToken rt4", err)
	if !old.Rotated || old.NextHash != "rt5" || !slices.Equal(old.Scopes, rt4.Scopes) {
		t.Errorf("rotated rt4 = %+v; want it rotated to rt5 with scopes %v", old, rt4.Scopes)
	}
	got, err := s.GetGrant(ctx, "g4")
	must(t, "GetGrant g4", err)
	var jtis []string
	for _, it := range got.AccessJTIs {
		jtis = append(jtis, it.JTI)
	}
	slices.Sort(jtis)
	if want := []string{"at-5", "at-meanwhile", "g4-at0"}; !slices.Equal(jtis, want) {
		t.Errorf("g4's access tokens = %v, want %v", jtis, want)
	}
	if !slices.Equal(got.Scopes, g4.Scopes) || !slices.Equal(got.Audience, g4.Audience) || !slices.Equal(got.AMR, g4.AMR) {
		t.Errorf("g4 after the rotation = %+v; the caller's changes reached the store", got)
	}
	next, err := s.GetRefreshToken(ctx, "rt4")
	must(t, "GetRefreshToken rt4", err)
	if !slices.Equal(next.Scopes, rt4.Scopes) {
		t.Errorf("rt4's scopes = %v; the caller's changes reached the store", next.Scopes)
	}
}
