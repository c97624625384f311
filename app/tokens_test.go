package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore"
)

// A pasted access token is decoded, its signature checked, and it reads
// active until the console revokes it; garbage is described, not an error.
func TestInspectAndRevokeToken(t *testing.T) {
	a, srv := newAppServer(t)
	now := time.Now()
	tok, err := srv.Keys.Sign("", "at+jwt", jwt.RegisteredClaims{Issuer: issuer, Subject: "u1", ID: "jti-42",
		Audience: jwt.ClaimStrings{issuer}, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	in, err := a.InspectToken("Bearer " + tok)
	if err != nil || !in.Active || in.Signature != "valid" || len(in.Claims) == 0 {
		t.Fatalf("inspect: %+v %v", in, err)
	}
	if err := a.RevokeToken(tok); err != nil {
		t.Fatal(err)
	}
	in, _ = a.InspectToken(tok)
	if in.Active || in.Reason != "revoked" {
		t.Fatalf("after revoke: %+v", in)
	}
	forged := tok[:len(tok)-4] + "AAAA"
	if in, _ := a.InspectToken(forged); in.Active || in.Signature != "invalid" {
		t.Fatalf("forged: %+v", in)
	}
	if in, _ := a.InspectToken("not-a-jwt"); in.Format != "opaque" || in.Active {
		t.Fatalf("opaque: %+v", in)
	}
	if err := a.RevokeToken("garbage"); err == nil {
		t.Fatal("garbage revoked")
	}
}

func TestGrantsInventory(t *testing.T) {
	a, srv := newAppServer(t)
	ctx := context.Background()
	now := time.Now()
	for i, c := range []string{"c1", "c1", "c2"} {
		g := authcore.Grant{ID: "g" + string(rune('0'+i)), ClientID: c, UserID: "alice", Scopes: []string{"orders:read"},
			CreatedAt: now, ExpiresAt: now.Add(time.Hour), AccessJTIs: []authcore.IssuedToken{{JTI: "at" + string(rune('0'+i)), ExpiresAt: now.Add(time.Minute)}}}
		if err := srv.Store.CreateGrant(ctx, g, nil); err != nil {
			t.Fatal(err)
		}
	}
	gs, err := a.ListGrants(app.GrantFilter{ClientID: "c1"})
	if err != nil || len(gs) != 2 {
		t.Fatalf("by client: %v %v", gs, err)
	}
	n, err := a.RevokeTokensOf("client", "c1")
	if err != nil || n != 2 {
		t.Fatalf("revoke all of c1: %d %v", n, err)
	}
	if revoked, _ := srv.Store.IsRevoked(ctx, "at0"); !revoked {
		t.Fatal("access token of a revoked grant still active")
	}
	gs, _ = a.ListGrants(app.GrantFilter{})
	if len(gs) != 1 || gs[0].ClientID != "c2" {
		t.Fatalf("live grants after revocation: %+v", gs)
	}
}
