package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/audit"
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
			CreatedAt: now, ExpiresAt: now.Add(time.Hour), AccessJTIs: []authcore.IssuedToken{{JTI: "at" + string(rune('0'+i)), ExpiresAt: now.Add(time.Minute), Kid: "k" + c}}}
		if err := srv.Store.CreateGrant(ctx, g, nil); err != nil {
			t.Fatal(err)
		}
	}
	gs, err := a.ListGrants(app.GrantFilter{ClientID: "c1"})
	if err != nil || len(gs) != 2 {
		t.Fatalf("by client: %v %v", gs, err)
	}
	// By signing key: the grants a key's revocation would reach.
	if gs, _ := a.ListGrants(app.GrantFilter{Kid: "kc2"}); len(gs) != 1 || gs[0].ClientID != "c2" || gs[0].Kids[0] != "kc2" {
		t.Fatalf("by key: %+v", gs)
	}
	if gs, _ := a.ListGrants(app.GrantFilter{Kid: "nope"}); len(gs) != 0 {
		t.Fatalf("an unknown key matches: %+v", gs)
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

// Revoking from the console records token.revoked, as /revoke does, with
// the reason, client and subject; and the export takes the audit filter.
func TestConsoleRevocationIsAuditedAndExportFilters(t *testing.T) {
	a, srv := newAppServer(t)
	ctx := context.Background()
	now := time.Now()
	g := authcore.Grant{ID: "g1", ClientID: "shop", UserID: "alice", Scopes: []string{"openid"}, CreatedAt: now,
		ExpiresAt: now.Add(time.Hour), AccessJTIs: []authcore.IssuedToken{{JTI: "at1", ExpiresAt: now.Add(time.Minute)}}}
	if err := srv.Store.CreateGrant(ctx, g, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeGrant("g1", "laptop stolen"); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeGrant("missing", ""); err == nil {
		t.Fatal("revoking an unknown grant succeeded")
	}
	f := app.AuditFilter{Types: []string{string(audit.TokenRevoked)}}
	page, err := a.QueryAudit(f)
	for i := 0; err == nil && len(page.Events) == 0 && i < 50; i++ {
		time.Sleep(20 * time.Millisecond)
		page, err = a.QueryAudit(f)
	}
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("token.revoked events: %+v %v", page.Events, err)
	}
	e := page.Events[0]
	if e.ClientID != "shop" || e.Subject != "alice" || e.Details["reason"] != "laptop stolen" || e.Details["grant_id"] != "g1" {
		t.Fatalf("token.revoked event: %+v", e)
	}
	// Filtered: only that event, with its own hash.
	out, err := a.ExportAudit(f)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"token.revoked"`) || !strings.Contains(lines[0], `"hash"`) {
		t.Fatalf("filtered export: %q", out)
	}
	// Whole: every event, oldest first, linked by hash.
	out, err = a.ExportAudit(app.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var prev audit.Entry
	for i, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var e audit.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if i > 0 && (e.Seq != prev.Seq+1 || e.PrevHash != prev.Hash) {
			t.Fatalf("line %d does not follow line %d: %+v after %+v", i, i-1, e, prev)
		}
		prev = e
	}
	if prev.Seq < 2 {
		t.Fatalf("the whole export has %d events", prev.Seq)
	}
	if _, err := a.ExportAudit(app.AuditFilter{Expr: "(("}); err == nil {
		t.Fatal("a bad expression exported")
	}
}
