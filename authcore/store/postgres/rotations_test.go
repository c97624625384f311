package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// TestRotationGroups: the rotations of a group commit together or not at
// all. A group whose second rotation fails (its successor's hash is
// taken) commits nothing, and each rotation then runs on its own: the
// first succeeds, not ErrConsumed (which would mean the failed group had
// rotated its token, and would revoke a healthy family), the second gets
// its own error. Two rotations of one token never share a group: the
// second runs in the next and finds the token rotated.
func TestRotationGroups(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	now := time.Now()
	family := func(id string) authcore.RefreshToken {
		t.Helper()
		return createFamily(t, s, id, "u1", now, now.Add(time.Hour), now.Add(time.Hour))
	}
	successor := func(rt authcore.RefreshToken, hash string) authcore.RefreshToken {
		return authcore.RefreshToken{Hash: hash, GrantID: rt.GrantID, ClientID: rt.ClientID, UserID: rt.UserID,
			Scopes: rt.Scopes, ExpiresAt: rt.ExpiresAt, CreatedAt: now}
	}
	req := func(rt authcore.RefreshToken, next string) *rotation {
		return &rotation{ctx: ctx, oldHash: rt.Hash, next: successor(rt, next),
			at: authcore.IssuedToken{JTI: next + "-at", ExpiresAt: now.Add(time.Minute), Kid: "k1"}, now: now,
			done: make(chan struct{})}
	}

	a, b, taken := family("ga"), family("gb"), family("gc")
	group := []*rotation{req(a, "ga-rt1"), req(b, taken.Hash)}
	if err := s.rotations.runGroup(ctx, group); err == nil {
		t.Fatal("a group with a taken successor hash committed")
	}
	if _, err := s.GetRefreshToken(ctx, "ga-rt1"); !errors.Is(err, authcore.ErrNotFound) {
		t.Fatalf("the failed group left its first rotation's successor: %v", err)
	}
	s.rotations.run(group)
	if r := group[0]; r.err != nil || r.status != "ok" || r.old.Hash != a.Hash || r.old.NextHash != "ga-rt1" {
		t.Errorf("first rotation after the failed group: %q, %v, %+v; want ok", r.status, r.err, r.old)
	}
	if r := group[1]; !errors.Is(r.err, authcore.ErrAlreadyExists) {
		t.Errorf("rotation onto a taken hash: %q, %v; want ErrAlreadyExists", r.status, r.err)
	}
	if got, err := s.GetRefreshToken(ctx, b.Hash); err != nil || got.Rotated {
		t.Errorf("the refused rotation's token: %+v, %v; want it unrotated", got, err)
	}

	// One token twice: the second waits for the next group.
	d := family("gd")
	s.rotations.mu.Lock()
	first, second := req(d, "gd-rt1"), req(d, "gd-rt1b")
	s.rotations.pending = append(s.rotations.pending, first, second)
	g1 := s.rotations.take()
	g2 := s.rotations.take()
	s.rotations.mu.Unlock()
	if len(g1) != 1 || g1[0] != first || len(g2) != 1 || g2[0] != second {
		t.Fatalf("groups %d and %d, want the two rotations of one token apart", len(g1), len(g2))
	}
	s.rotations.run(g1)
	s.rotations.run(g2)
	if first.err != nil || first.status != "ok" {
		t.Errorf("first rotation of gd: %q, %v", first.status, first.err)
	}
	if second.err != nil || second.status != "consumed" || second.old.NextHash != "gd-rt1" {
		t.Errorf("second rotation of gd: %q, %v, next %q; want consumed naming gd-rt1", second.status, second.err, second.old.NextHash)
	}

	// One group, every answer: rotated, unknown, another grant, rotated
	// already, expired, revoked grant; only the first writes.
	h, k, m, x, v := family("gh"), family("gk"), family("gm"), family("gx"), family("gv")
	if _, err := s.RotateRefreshToken(ctx, m.Hash, successor(m, "gm-rt1"), authcore.IssuedToken{}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeGrant(ctx, "gv", "test", now); err != nil {
		t.Fatal(err)
	}
	other := req(k, "gk-rt1")
	other.next.GrantID = "gh"
	late := req(x, "gx-rt1")
	late.now = x.ExpiresAt.Add(time.Second)
	unknown := req(h, "nobody-rt1")
	unknown.oldHash = "nobody"
	group = []*rotation{req(h, "gh-rt1"), unknown, other, req(m, "gm-rt2"), late, req(v, "gv-rt1")}
	if err := s.rotations.runGroup(ctx, group); err != nil {
		t.Fatal(err)
	}
	want := []string{"ok", "not_found", "wrong_grant", "consumed", "not_found", "not_found"}
	for i, r := range group {
		if r.err != nil || r.status != want[i] {
			t.Errorf("rotation %d of the mixed group: %q, %v; want %q", i, r.status, r.err, want[i])
		}
	}
	if group[0].old.Hash != h.Hash || group[0].old.NextHash != "gh-rt1" || group[3].old.NextHash != "gm-rt1" {
		t.Errorf("records returned: %+v, %+v", group[0].old, group[3].old)
	}
	for _, hash := range []string{"gk-rt1", "gm-rt2", "gx-rt1", "gv-rt1"} {
		if _, err := s.GetRefreshToken(ctx, hash); !errors.Is(err, authcore.ErrNotFound) {
			t.Errorf("successor %s of a refused rotation was written: %v", hash, err)
		}
	}
	got, err := s.GetRefreshToken(ctx, "gh-rt1")
	if err != nil || got.GrantID != "gh" || len(got.Scopes) != 2 || got.Scopes[0] != "openid" || got.Scopes[1] != "offline_access" {
		t.Errorf("successor of the mixed group's rotation: %+v, %v", got, err)
	}
	if g, err := s.GetGrant(ctx, "gh"); err != nil || len(g.AccessJTIs) != 1 || g.AccessJTIs[0].JTI != "gh-rt1-at" {
		t.Errorf("access token recorded by the group: %+v, %v", g.AccessJTIs, err)
	}

	// A group that commits: every rotation in it is durable and answered.
	e, f := family("ge"), family("gf")
	group = []*rotation{req(e, "ge-rt1"), req(f, "gf-rt1")}
	s.rotations.run(group)
	for _, r := range group {
		if r.err != nil || r.status != "ok" {
			t.Errorf("rotation of %s in a committed group: %q, %v", r.oldHash, r.status, r.err)
		}
		if got, err := s.GetRefreshToken(ctx, r.next.Hash); err != nil || got.GrantID != r.next.GrantID {
			t.Errorf("successor %s: %+v, %v", r.next.Hash, got, err)
		}
	}
}
