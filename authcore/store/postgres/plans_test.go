package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// TestRefreshPlansUseKeys: the statements of a refresh find the token
// and its grant by their keys in the plan PostgreSQL caches for pgx's
// prepared statements, even when it plans them on young tables (a new
// installation's, lkbench's: a page or so, never analyzed). A statement
// that joined the rotations as arrays against refresh_tokens was planned
// as a sequential scan there, and read the whole table for every group
// (rotations.go); the control below is that join, which the check must
// catch.
func TestRefreshPlansUseKeys(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	now := time.Now()
	for i := range 100 {
		id := fmt.Sprint("g", i)
		g := authcore.Grant{ID: id, ClientID: "web", UserID: "u1", ExpiresAt: now.Add(time.Hour)}
		rt := authcore.RefreshToken{Hash: id + "-rt0", GrantID: id, ClientID: "web", UserID: "u1", ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateGrant(ctx, g, &rt); err != nil {
			t.Fatal(err)
		}
		next := authcore.RefreshToken{Hash: id + "-rt1", ExpiresAt: now.Add(time.Hour), CreatedAt: now}
		if _, err := s.RotateRefreshToken(ctx, rt.Hash, next, authcore.IssuedToken{JTI: id + "-at", ExpiresAt: now.Add(time.Minute)}, now); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, sql string
		args      []any
		scans     bool // the control
	}{
		{"rotateSQL", rotateSQL, []any{"old", "new", "", "web", "u1", []string{"openid"}, "", "", now, now, "jti", now, "k1", now}, false},
		{"familySQL", familySQL, []any{"old", now}, false},
		{"control: a join on arrays", `SELECT 1 FROM unnest($1::text[]) u(h) JOIN refresh_tokens t ON t.hash = u.h`,
			[]any{[]string{"a", "b"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := conn.Query(ctx, "EXPLAIN "+tc.sql, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, line)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			text := strings.Join(plan, "\n")
			scans := false
			for _, table := range []string{"refresh_tokens", "grants", "grant_tokens"} {
				scans = scans || strings.Contains(text, "Seq Scan on "+table)
			}
			if scans != tc.scans {
				t.Errorf("%s: sequential scan %v, want %v:\n%s", tc.name, scans, tc.scans, text)
			}
		})
	}
}
