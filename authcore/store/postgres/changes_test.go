package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// refs lists the changes of kind in batch.
func refs(batch []authcore.Change, kind string) []string {
	var out []string
	for _, c := range batch {
		if c.Kind == kind {
			out = append(out, c.Ref)
		}
	}
	return out
}

// TestChangeCursorLateCommit is the case a "larger id than the last one
// read" cursor gets wrong: a transaction takes a lower id, another
// commits a higher one and is read, then the first commits. The cursor
// must deliver the late row once, and the early one only once.
func TestChangeCursorLateCommit(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	cur, err := s.newChangeCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	late, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Rollback(ctx)
	if err := revoke(ctx, late, authcore.Revocation{JTI: "late", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "early", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	first, err := s.readChanges(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	if got := refs(first, authcore.ChangeRevoked); !slices.Equal(got, []string{"early"}) {
		t.Fatalf("first read = %v, want [early]", got)
	}
	var lastRead int64
	if err := s.pool.QueryRow(ctx, `SELECT max(id) FROM changes`).Scan(&lastRead); err != nil {
		t.Fatal(err)
	}
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// The scenario is the hard one: the late row's id is below the last
	// id read, so "id > last" would never see it.
	var naive int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM changes WHERE id > $1`, lastRead).Scan(&naive); err != nil {
		t.Fatal(err)
	}
	if naive != 0 {
		t.Fatalf("the late row got an id above the last one read (%d rows); the test no longer tests late commits", naive)
	}
	second, err := s.readChanges(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	if got := refs(second, authcore.ChangeRevoked); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("second read = %v, want [late] (late commit delivered, early not again)", got)
	}
	third, err := s.readChanges(ctx, cur)
	if err != nil || len(third) != 0 {
		t.Fatalf("third read = %v, %v; want nothing", third, err)
	}
	if len(cur.seen) != 0 {
		t.Errorf("cursor still remembers %d rows below xmin %d", len(cur.seen), cur.xmin)
	}
}

// TestChangeCursorAbortedTransaction: a transaction that rolls back
// holds the cursor's window open while it runs and leaves nothing.
func TestChangeCursorAbortedTransaction(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	cur, err := s.newChangeCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := revoke(ctx, tx, authcore.Revocation{JTI: "never"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "kept"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.readChanges(ctx, cur); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.readChanges(ctx, cur)
	if err != nil || len(got) != 0 {
		t.Fatalf("after rollback = %v, %v; want nothing", got, err)
	}
}

// TestChangeKinds: every write another node must hear of adds its row,
// in the same transaction (a failed write adds none).
func TestChangeKinds(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openTest(t, Options{})
	cur, err := s.newChangeCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
		want authcore.Change
	}{
		{"client", func() error {
			return s.CreateClient(ctx, authcore.Client{ID: "c1", Name: "c1", Type: authcore.Public, CreatedAt: now, UpdatedAt: now})
		}, authcore.Change{Kind: authcore.ChangeClient, Ref: "c1"}},
		{"client delete", func() error { return s.DeleteClient(ctx, "c1") }, authcore.Change{Kind: authcore.ChangeClient, Ref: "c1"}},
		{"scope", func() error { return s.CreateScope(ctx, authcore.Scope{Name: "s1", CreatedAt: now}) },
			authcore.Change{Kind: authcore.ChangeScope, Ref: "s1"}},
		{"setting", func() error { return s.PutSetting(ctx, "policy", []byte("{}")) },
			authcore.Change{Kind: authcore.ChangeSetting, Ref: "policy"}},
		{"key", func() error {
			return s.PutSigningKeys(ctx, authcore.SigningKey{ID: "k1", Algorithm: "ES256", State: authcore.KeyActive,
				PrivateDER: []byte{0x30, 1}, CreatedAt: now, ActivatedAt: now})
		}, authcore.Change{Kind: authcore.ChangeKey, Ref: "k1"}},
		{"revocation", func() error {
			return s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j1", ExpiresAt: now.Add(time.Hour).Truncate(time.Second), RevokedAt: now})
		}, authcore.Change{Kind: authcore.ChangeRevoked, Ref: "j1", ExpiresAt: now.Add(time.Hour).Truncate(time.Second)}},
		{"failed write", func() error {
			if err := s.CreateScope(ctx, authcore.Scope{Name: "s1", CreatedAt: now}); err == nil {
				t.Error("CreateScope of an existing scope succeeded")
			}
			return nil
		}, authcore.Change{}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := s.readChanges(ctx, cur)
		if err != nil {
			t.Fatal(err)
		}
		var want []authcore.Change
		if st.want.Kind != "" {
			want = []authcore.Change{st.want}
		}
		if !slices.EqualFunc(got, want, func(a, b authcore.Change) bool {
			return a.Kind == b.Kind && a.Ref == b.Ref && a.ExpiresAt.Equal(b.ExpiresAt)
		}) {
			t.Errorf("%s: changes = %+v, want %+v", st.name, got, want)
		}
	}
}
