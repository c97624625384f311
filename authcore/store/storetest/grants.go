package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

func newGrant(id string, now time.Time) authcore.Grant {
	return authcore.Grant{
		ID: id, ClientID: "c1", UserID: "u1", Scopes: []string{"openid", "offline_access"},
		Audience: []string{"https://api.example"}, AuthTime: now.Add(-time.Second),
		CreatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour),
		AccessJTIs: []authcore.IssuedToken{{JTI: id + "-at0", ExpiresAt: now.Add(5 * time.Minute)}},
		SessionID:  "sid-" + id, Claims: `{"userinfo":{"email":null}}`,
		ACR: authcore.ACRMFA, AMR: []string{"pwd", "otp", "mfa"},
		AuthorizationDetails: `[{"type":"payment_initiation","amount":"12.50"}]`,
	}
}

func newRT(hash, grantID string, now time.Time) authcore.RefreshToken {
	return authcore.RefreshToken{
		Hash: hash, GrantID: grantID, ClientID: "c1", UserID: "u1",
		Scopes: []string{"openid", "offline_access"}, ExpiresAt: now.Add(24 * time.Hour), CreatedAt: now,
	}
}

func at(jti string, now time.Time) authcore.IssuedToken {
	return authcore.IssuedToken{JTI: jti, ExpiresAt: now.Add(5 * time.Minute)}
}

func testGrants(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	g, rt := newGrant("g1", now), newRT("rt1", "g1", now)
	must(t, "CreateGrant", s.CreateGrant(ctx, g, &rt))
	wantErr(t, "CreateGrant again", s.CreateGrant(ctx, g, nil), authcore.ErrAlreadyExists)
	g2, taken := newGrant("g2", now), newRT("rt1", "g2", now)
	wantErr(t, "CreateGrant with a taken refresh token hash", s.CreateGrant(ctx, g2, &taken), authcore.ErrAlreadyExists)
	_, err := s.GetGrant(ctx, "g2")
	wantErr(t, "grant of failed CreateGrant", err, authcore.ErrNotFound)
	must(t, "CreateGrant without refresh token", s.CreateGrant(ctx, g2, nil))

	got, err := s.GetGrant(ctx, "g1")
	must(t, "GetGrant", err)
	same(t, "GetGrant", got, g)
	gotRT, err := s.GetRefreshToken(ctx, "rt1")
	must(t, "GetRefreshToken", err)
	same(t, "GetRefreshToken", gotRT, rt)
	_, err = s.GetRefreshToken(ctx, "nope")
	wantErr(t, "GetRefreshToken unknown", err, authcore.ErrNotFound)
	_, err = s.GetGrant(ctx, "nope")
	wantErr(t, "GetGrant unknown", err, authcore.ErrNotFound)

	must(t, "AddAccessToken", s.AddAccessToken(ctx, "g1", at("g1-at1", now)))
	got, _ = s.GetGrant(ctx, "g1")
	if jtis := jtisOf(got); !slices.Equal(jtis, []string{"g1-at0", "g1-at1"}) {
		t.Errorf("AccessJTIs after AddAccessToken: %v", jtis)
	}
	wantErr(t, "AddAccessToken unknown grant", s.AddAccessToken(ctx, "nope", at("x", now)), authcore.ErrNotFound)

	list, err := s.ListGrants(ctx)
	must(t, "ListGrants", err)
	if len(list) != 2 {
		t.Errorf("ListGrants: got %d, want 2", len(list))
	}
}

func testRefreshRotation(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	g, rt1 := newGrant("g1", now), newRT("rt1", "g1", now)
	must(t, "CreateGrant", s.CreateGrant(ctx, g, &rt1))

	rt2 := newRT("rt2", "g1", now.Add(time.Minute))
	old, err := s.RotateRefreshToken(ctx, "rt1", rt2, at("at-2", now), now.Add(time.Minute))
	must(t, "RotateRefreshToken", err)
	if old.Hash != "rt1" || !old.Rotated || old.NextHash != "rt2" || !old.RotatedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("RotateRefreshToken returned %+v, want rt1 rotated to rt2", old)
	}
	stored, err := s.GetRefreshToken(ctx, "rt1")
	must(t, "GetRefreshToken old", err)
	same(t, "old token as stored", stored, old)
	next, err := s.GetRefreshToken(ctx, "rt2")
	must(t, "GetRefreshToken successor", err)
	same(t, "successor", next, rt2)
	got, _ := s.GetGrant(ctx, "g1")
	// The order of a grant's access tokens is not part of the contract.
	if jtis := jtisOf(got); !slices.Equal(jtis, []string{"at-2", "g1-at0"}) {
		t.Errorf("grant AccessJTIs after rotation: %v, want at-2 and g1-at0", jtis)
	}

	// Reuse of the spent token: the stored record, to find the family.
	again, err := s.RotateRefreshToken(ctx, "rt1", newRT("rt2b", "g1", now), at("at-2b", now), now.Add(2*time.Minute))
	wantErr(t, "rotating a rotated token", err, authcore.ErrConsumed)
	same(t, "record returned with ErrConsumed", again, old)
	_, err = s.GetRefreshToken(ctx, "rt2b")
	wantErr(t, "successor of a reused token", err, authcore.ErrNotFound)

	// The chain continues from the successor.
	_, err = s.RotateRefreshToken(ctx, "rt2", newRT("rt3", "", now), at("at-3", now), now.Add(3*time.Minute))
	must(t, "rotate successor", err)
	rt3, err := s.GetRefreshToken(ctx, "rt3")
	must(t, "GetRefreshToken rt3", err)
	if rt3.GrantID != "g1" {
		t.Errorf("successor with empty GrantID: got GrantID %q, want g1", rt3.GrantID)
	}

	_, err = s.RotateRefreshToken(ctx, "nope", newRT("rt9", "g1", now), at("at-9", now), now)
	wantErr(t, "rotate unknown", err, authcore.ErrNotFound)
	_, err = s.RotateRefreshToken(ctx, "rt3", newRT("rt4", "g1", now), at("at-4", now), now.Add(25*time.Hour))
	wantErr(t, "rotate expired", err, authcore.ErrNotFound)
	wantErr(t, "successor of an expired token", func() error { _, err := s.GetRefreshToken(ctx, "rt4"); return err }(), authcore.ErrNotFound)
}

func testRevokeGrant(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	g, rt1 := newGrant("g1", now), newRT("rt1", "g1", now)
	must(t, "CreateGrant", s.CreateGrant(ctx, g, &rt1))
	_, err := s.RotateRefreshToken(ctx, "rt1", newRT("rt2", "g1", now), at("at-2", now), now)
	must(t, "RotateRefreshToken", err)
	must(t, "AddAccessToken", s.AddAccessToken(ctx, "g1", at("at-3", now)))
	bystander := newGrant("g2", now)
	must(t, "CreateGrant bystander", s.CreateGrant(ctx, bystander, nil))

	must(t, "RevokeGrant", s.RevokeGrant(ctx, "g1", "refresh token reuse", now.Add(time.Second)))
	got, err := s.GetGrant(ctx, "g1")
	must(t, "GetGrant revoked", err)
	if !got.Revoked || got.RevokedReason != "refresh token reuse" || !got.RevokedAt.Equal(now.Add(time.Second)) {
		t.Errorf("revoked grant: %+v", got)
	}
	for _, h := range []string{"rt1", "rt2"} {
		_, err := s.RotateRefreshToken(ctx, h, newRT(h+"-next", "g1", now), at(h+"-at", now), now.Add(2*time.Second))
		wantErr(t, "rotate "+h+" of a revoked grant", err, authcore.ErrNotFound)
	}
	if len(got.AccessJTIs) != 3 {
		t.Errorf("AccessJTIs of revoked grant: %+v, want 3", got.AccessJTIs)
	}
	for _, a := range got.AccessJTIs {
		revoked, err := s.IsRevoked(ctx, a.JTI)
		must(t, "IsRevoked", err)
		if !revoked {
			t.Errorf("access token %s of revoked grant is not revoked", a.JTI)
		}
	}
	revoked, _ := s.IsRevoked(ctx, "g2-at0")
	if revoked {
		t.Errorf("access token of another grant was revoked")
	}
	wantErr(t, "AddAccessToken to a revoked grant", s.AddAccessToken(ctx, "g1", at("late", now)), authcore.ErrNotFound)
	wantErr(t, "RevokeGrant unknown", s.RevokeGrant(ctx, "nope", "x", now), authcore.ErrNotFound)
}

func testAccessTokenRevocation(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	revoked, err := s.IsRevoked(ctx, "j1")
	must(t, "IsRevoked unknown", err)
	if revoked {
		t.Errorf("IsRevoked(j1) before revocation = true")
	}
	must(t, "RevokeAccessToken", s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j1", ExpiresAt: now.Add(time.Hour), RevokedAt: now}))
	must(t, "RevokeAccessToken twice", s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j1", ExpiresAt: now.Add(time.Hour), RevokedAt: now}))
	for jti, want := range map[string]bool{"j1": true, "j2": false} {
		got, err := s.IsRevoked(ctx, jti)
		must(t, "IsRevoked", err)
		if got != want {
			t.Errorf("IsRevoked(%s) = %v, want %v", jti, got, want)
		}
	}
	must(t, "RevokeAccessToken short", s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j3", ExpiresAt: now.Add(time.Minute), RevokedAt: now}))
	live, err := s.ListRevocations(ctx, now.Add(2*time.Minute))
	must(t, "ListRevocations", err)
	if len(live) != 1 || live[0].JTI != "j1" || !live[0].ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("ListRevocations after j3 expired = %+v, want only j1", live)
	}
	all, err := s.ListRevocations(ctx, now)
	must(t, "ListRevocations", err)
	if len(all) != 2 {
		t.Errorf("ListRevocations(now) = %+v, want j1 and j3", all)
	}
}

// jtisOf lists the JTIs of g's access tokens, sorted.
func jtisOf(g authcore.Grant) []string {
	var out []string
	for _, t := range g.AccessJTIs {
		out = append(out, t.JTI)
	}
	slices.Sort(out)
	return out
}
