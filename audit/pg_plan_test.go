package audit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPostgresFiltersUseIndexes: every filter the console, lkbench and
// auditbench document is answered from an index on PostgreSQL, with the
// plan for its values that query's unnamed statements get, after
// migration 0150 took the outcome index down to failures only (issue 19:
// fewer index writes per event). 20,000 rows, analyzed, in the proportions of
// a busy server: mostly issued tokens, few failures.
func TestPostgresFiltersUseIndexes(t *testing.T) {
	pool := pgPool(t)
	ctx := context.Background()
	pgExec(t, pool, `INSERT INTO audit_chains (node_id, head_seq, head_hash, anchor_seq, anchor_hash) VALUES ('n1', 0, $1, 0, $1)`, genesisHash)
	pgExec(t, pool, `INSERT INTO audit_events (node_id, seq, recorded_at, type, outcome, client_id, subject, remote_ip, prev_hash, hash, line)
		SELECT 'n1', i, timestamptz '2026-01-01' + i * interval '1 minute',
			CASE WHEN i % 50 = 0 THEN 'login.failed' WHEN i % 5 = 0 THEN 'token.refreshed' ELSE 'token.issued' END,
			CASE WHEN i % 50 = 0 THEN 'failure' ELSE 'success' END,
			'client-' || (i % 40), 'user-' || (i % 1000), '198.51.100.' || (i % 250),
			repeat('0', 64), repeat('0', 64), convert_to('{}', 'UTF8')
		FROM generate_series(1, 20000) AS i`)
	if _, err := pool.Exec(ctx, `ANALYZE audit_events`); err != nil {
		t.Fatal(err)
	}
	mid := time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC)

	for _, tc := range []struct {
		name  string
		f     Filter
		index string // the index the plan must read; "" any but no full scan
	}{
		{"newest", Filter{}, "audit_events_time"},
		{"type=login.failed", Filter{Types: []Type{LoginFailed}}, "audit_events_type"},
		{"types issued|refreshed, client", Filter{Types: []Type{TokenIssued, TokenRefreshed}, ClientID: "client-7"}, ""},
		{"subject", Filter{Subject: "user-123"}, "audit_events_subject"},
		{"client", Filter{ClientID: "client-3"}, "audit_events_client"},
		{"remote ip", Filter{RemoteIP: "198.51.100.42"}, "audit_events_remote"},
		{"outcome=failure", Filter{Outcome: Failure}, "audit_events_failure"},
		{"outcome=failure, ip", Filter{Outcome: Failure, RemoteIP: "198.51.100.42"}, ""},
		{"outcome=success", Filter{Outcome: Success}, "audit_events_time"},
		{"client, one day", Filter{ClientID: "client-3", From: mid, To: mid.Add(24 * time.Hour)}, ""},
		{"type, expression", Filter{Types: []Type{TokenIssued}, Expr: `details.scope%"*admin*"`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := compileFilter(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			w, args := pgWhere(m, tc.f)
			conn, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			for _, mode := range []string{"force_custom_plan"} {
				plan := explain(t, conn.Conn(), mode, pgPageSQL(w), args)
				if strings.Contains(plan, "Seq Scan") || (tc.index != "" && !strings.Contains(plan, tc.index)) {
					t.Errorf("%s plan (want index %q, no full scan):\n%s", mode, tc.index, plan)
				}
			}
		})
	}
}

// explain prepares sql on conn under plan_cache_mode mode and returns
// the plan of its execution with args.
func explain(t *testing.T, conn *pgx.Conn, mode, sql string, args []any) string {
	t.Helper()
	ctx := context.Background()
	for _, stmt := range []string{"SET plan_cache_mode = " + mode, "PREPARE q AS " + sql} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	ps := make([]string, len(args))
	for i := range args {
		ps[i] = fmt.Sprintf("$%d", i+1)
	}
	exec := "EXPLAIN EXECUTE q"
	if len(ps) > 0 {
		exec += "(" + strings.Join(ps, ", ") + ")"
	}
	// The simple protocol spells the arguments out: EXECUTE takes no
	// parameters of its own.
	rows, err := conn.Query(ctx, exec, append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...)
	if err != nil {
		t.Fatalf("%s: %v", exec, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", exec, err)
	}
	if _, err := conn.Exec(ctx, "DEALLOCATE q"); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
