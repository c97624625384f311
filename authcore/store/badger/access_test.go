package badger

import (
	"context"
	"slices"
	"testing"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

func jtis(ts []authcore.IssuedToken) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.JTI)
	}
	slices.Sort(out)
	return out
}

// rawGrant is the stored record of grant id, as Badger holds it.
func rawGrant(t *testing.T, s *Store, id string) grantV1 {
	t.Helper()
	var r grantV1
	if err := s.db.View(func(txn *bdg.Txn) error { return get(txn, key(kindGrant, id), &r) }); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGrantAccessTokensUnderOwnKeys: rotations add their access tokens
// under their own keys, so the grant's record stays the same size
// however many tokens it issued, and every reader still sees them all.
func TestGrantAccessTokensUnderOwnKeys(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openTest(t, Options{InMemory: true, Now: func() time.Time { return now }})
	g := authcore.Grant{ID: "g", ClientID: "c", UserID: "u", CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		AccessJTIs: []authcore.IssuedToken{{JTI: "at-0", ExpiresAt: now.Add(10 * time.Minute)}}}
	rt := authcore.RefreshToken{Hash: "rt-0", ClientID: "c", UserID: "u", ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	if err := s.CreateGrant(ctx, g, &rt); err != nil {
		t.Fatal(err)
	}
	want := []string{"at-0"}
	for i := 1; i <= 20; i++ {
		next := authcore.RefreshToken{Hash: "rt-" + string(rune('a'+i)), ClientID: "c", UserID: "u", ExpiresAt: now.Add(time.Hour), CreatedAt: now}
		at := authcore.IssuedToken{JTI: "at-" + string(rune('a'+i)), ExpiresAt: now.Add(10 * time.Minute)}
		if _, _, err := s.GetRefreshFamily(ctx, rt.Hash); err != nil { // as a refresh does (familyreads.go)
			t.Fatal(err)
		}
		if _, err := s.RotateRefreshToken(ctx, rt.Hash, next, at, now); err != nil {
			t.Fatal(err)
		}
		rt = next
		want = append(want, at.JTI)
	}
	if err := s.AddAccessToken(ctx, "g", authcore.IssuedToken{JTI: "at-added", ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	want = append(want, "at-added")
	slices.Sort(want)
	if r := rawGrant(t, s, "g"); len(r.AccessJTIs) != 0 {
		t.Errorf("the grant's record lists %d access tokens, want none (they have their own keys)", len(r.AccessJTIs))
	}
	got, err := s.GetGrant(ctx, "g")
	if err != nil || !slices.Equal(jtis(got.AccessJTIs), want) {
		t.Fatalf("GetGrant: %v, %v; want %v", jtis(got.AccessJTIs), err, want)
	}
	list, err := s.ListGrants(ctx)
	if err != nil || len(list) != 1 || !slices.Equal(jtis(list[0].AccessJTIs), want) {
		t.Fatalf("ListGrants: %+v, %v", list, err)
	}
	snap, err := s.Export(ctx)
	if err != nil || len(snap.Grants) != 1 || !slices.Equal(jtis(snap.Grants[0].AccessJTIs), want) {
		t.Fatalf("Export: %+v, %v", snap.Grants, err)
	}
	if err := s.RevokeGrant(ctx, "g", "test", now); err != nil {
		t.Fatal(err)
	}
	for _, j := range want {
		if ok, err := s.IsRevoked(ctx, j); err != nil || !ok {
			t.Errorf("access token %s not revoked with its grant: %v, %v", j, ok, err)
		}
	}
}

// TestGrantWrittenBeforeOwnKeys: a grant whose record lists its access
// tokens (written before they had keys) is read with them, revoked with
// them, and moves them to their keys at its next rotation.
func TestGrantWrittenBeforeOwnKeys(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openTest(t, Options{InMemory: true, Now: func() time.Time { return now }})
	for _, id := range []string{"old", "old2"} {
		r := grantV1{ID: id, ClientID: "c", UserID: "u", CreatedAt: now, ExpiresAt: now.Add(time.Hour),
			AccessJTIs: []issuedV1{{JTI: id + "-at-live", ExpiresAt: now.Add(10 * time.Minute)},
				{JTI: id + "-at-expired", ExpiresAt: now.Add(-time.Minute)}}}
		rt := refreshV1{Hash: id + "-rt", GrantID: id, ClientID: "c", UserID: "u", ExpiresAt: now.Add(time.Hour), CreatedAt: now}
		err := s.db.Update(func(txn *bdg.Txn) error {
			if err := put(txn, key(kindGrant, id), r, r.ExpiresAt); err != nil {
				return err
			}
			if err := put(txn, key(kindRTByGrant, id, rt.Hash), indexV1{rt.ExpiresAt}, rt.ExpiresAt); err != nil {
				return err
			}
			return put(txn, key(kindRT, rt.Hash), rt, rt.ExpiresAt)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GetGrant(ctx, "old")
	if want := []string{"old-at-expired", "old-at-live"}; err != nil || !slices.Equal(jtis(got.AccessJTIs), want) {
		t.Fatalf("GetGrant of an old grant: %v, %v; want %v", jtis(got.AccessJTIs), err, want)
	}
	next := authcore.RefreshToken{Hash: "old-rt2", ClientID: "c", UserID: "u", ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	if _, err := s.RotateRefreshToken(ctx, "old-rt", next, authcore.IssuedToken{JTI: "old-at-new", ExpiresAt: now.Add(10 * time.Minute)}, now); err != nil {
		t.Fatal(err)
	}
	if r := rawGrant(t, s, "old"); len(r.AccessJTIs) != 0 {
		t.Errorf("after a rotation the old grant's record still lists %v", r.AccessJTIs)
	}
	got, err = s.GetGrant(ctx, "old")
	if want := []string{"old-at-live", "old-at-new"}; err != nil || !slices.Equal(jtis(got.AccessJTIs), want) {
		t.Fatalf("GetGrant after the rotation: %v, %v; want %v (the expired one dropped)", jtis(got.AccessJTIs), err, want)
	}
	if err := s.RevokeGrant(ctx, "old2", "test", now); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.IsRevoked(ctx, "old2-at-live"); err != nil || !ok {
		t.Errorf("an old grant's listed access token not revoked: %v, %v", ok, err)
	}
}
