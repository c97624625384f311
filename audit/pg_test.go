package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// pgTenEvents records seq 1..10 as node "n1" (client c1..c10) and five
// events as node "n2", and returns the pool and n1's log.
func pgTenEvents(t *testing.T) (*pgxpool.Pool, *Log) {
	t.Helper()
	pool := pgPool(t)
	c := newClock()
	l := openPGOn(t, pool, Options{Now: c.Now, NodeID: "n1", Retention: -1})
	other := openPGOn(t, pool, Options{Now: c.Now, NodeID: "n2", Retention: -1})
	for i := 1; i <= 10; i++ {
		c.Add(time.Second)
		l.Record(context.Background(), Event{Type: LoginFailed, Outcome: Failure, Subject: "bob", ClientID: fmt.Sprintf("c%d", i)})
		if i%2 == 0 {
			other.Record(context.Background(), Event{Type: TokenIssued, Outcome: Success, ClientID: "web"})
		}
	}
	for _, x := range []*Log{l, other} {
		if err := x.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return pool, l
}

func pgExec(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	tag, err := pool.Exec(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	if tag.RowsAffected() == 0 {
		t.Fatalf("%s changed nothing", sql)
	}
}

func pgLine(t *testing.T, pool *pgxpool.Pool, node string, seq int) []byte {
	t.Helper()
	var line []byte
	if err := pool.QueryRow(context.Background(), `SELECT line FROM audit_events WHERE node_id = $1 AND seq = $2`, node, seq).Scan(&line); err != nil {
		t.Fatal(err)
	}
	return line
}

// TestPostgresVerifyCatchesTampering edits the shared log behind the
// nodes' backs, one way per case, and expects verify to name the node,
// the problem and the first bad seq.
func TestPostgresVerifyCatchesTampering(t *testing.T) {
	rehash := func(t *testing.T, pool *pgxpool.Pool, seq int, edit func([]byte) []byte) {
		// An edit whose own hash is recomputed: only the next link shows it.
		body, _, err := splitLine(pgLine(t, pool, "n1", seq))
		if err != nil {
			t.Fatal(err)
		}
		var en entryBody
		body = edit(body)
		if err := json.Unmarshal(body, &en); err != nil {
			t.Fatal(err)
		}
		line, h, err := encodeEntry(en.Seq, en.PrevHash, en.Event)
		if err != nil {
			t.Fatal(err)
		}
		pgExec(t, pool, `UPDATE audit_events SET line = $3, hash = $4 WHERE node_id = $1 AND seq = $2`, "n1", seq, line, h)
	}
	cases := []struct {
		name    string
		tamper  func(t *testing.T, pool *pgxpool.Pool)
		problem Problem
		seq     uint64
		node    string // default n1
	}{
		{"second node's row edited", func(t *testing.T, pool *pgxpool.Pool) {
			line := bytes.Replace(pgLine(t, pool, "n2", 3), []byte(`"web"`), []byte(`"evil"`), 1)
			pgExec(t, pool, `UPDATE audit_events SET line = $1 WHERE node_id = 'n2' AND seq = 3`, line)
		}, Altered, 3, "n2"},
		{"payload edited", func(t *testing.T, pool *pgxpool.Pool) {
			line := bytes.Replace(pgLine(t, pool, "n1", 4), []byte(`"bob"`), []byte(`"eve"`), 1)
			pgExec(t, pool, `UPDATE audit_events SET line = $1 WHERE node_id = 'n1' AND seq = 4`, line)
		}, Altered, 4, ""},
		{"payload edited and re-hashed", func(t *testing.T, pool *pgxpool.Pool) {
			rehash(t, pool, 4, func(b []byte) []byte { return bytes.Replace(b, []byte(`"bob"`), []byte(`"eve"`), 1) })
		}, Altered, 4, ""},
		{"row deleted", func(t *testing.T, pool *pgxpool.Pool) {
			pgExec(t, pool, `DELETE FROM audit_events WHERE node_id = 'n1' AND seq = 5`)
		}, Removed, 5, ""},
		{"newest row deleted", func(t *testing.T, pool *pgxpool.Pool) {
			pgExec(t, pool, `DELETE FROM audit_events WHERE node_id = 'n1' AND seq = 10`)
		}, Removed, 10, ""},
		{"two rows swapped", func(t *testing.T, pool *pgxpool.Pool) {
			for _, q := range []string{"1000 WHERE seq = 6", "6 WHERE seq = 7", "7 WHERE seq = 1000"} {
				to, where, _ := strings.Cut(q, " WHERE ")
				pgExec(t, pool, `UPDATE audit_events SET seq = `+to+` WHERE node_id = 'n1' AND `+where)
			}
		}, Reordered, 6, ""},
		{"row moved in time", func(t *testing.T, pool *pgxpool.Pool) {
			pgExec(t, pool, `UPDATE audit_events SET recorded_at = recorded_at - interval '1 hour' WHERE node_id = 'n1' AND seq = 3`)
		}, Reordered, 3, ""},
		{"row moved to another node", func(t *testing.T, pool *pgxpool.Pool) {
			pgExec(t, pool, `UPDATE audit_events SET node_id = 'n2', seq = 99 WHERE node_id = 'n1' AND seq = 2`)
		}, Removed, 2, ""},
		{"prev_hash link altered in the line", func(t *testing.T, pool *pgxpool.Pool) {
			rehash(t, pool, 8, func(b []byte) []byte {
				return append(bytes.Clone(b[:bytes.Index(b, []byte(`"prev_hash":"`))+13]), append(bytes.Repeat([]byte("a"), 64), b[bytes.Index(b, []byte(`"prev_hash":"`))+13+64:]...)...)
			})
		}, Altered, 7, ""},
		{"head row moved back", func(t *testing.T, pool *pgxpool.Pool) {
			pgExec(t, pool, `UPDATE audit_chains SET head_seq = 9 WHERE node_id = 'n1'`)
		}, Altered, 9, ""},
		{"prev_hash column altered", func(t *testing.T, pool *pgxpool.Pool) {
			pgExec(t, pool, `UPDATE audit_events SET prev_hash = repeat('b', 64) WHERE node_id = 'n1' AND seq = 5`)
		}, IndexDamaged, 5, ""},
		{"client_id column altered", func(t *testing.T, pool *pgxpool.Pool) {
			pgExec(t, pool, `UPDATE audit_events SET client_id = 'c5' WHERE node_id = 'n1' AND seq = 3`)
		}, IndexDamaged, 3, ""},
		{"type column cleared", func(t *testing.T, pool *pgxpool.Pool) {
			pgExec(t, pool, `UPDATE audit_events SET type = NULL WHERE node_id = 'n1' AND seq = 9`)
		}, IndexDamaged, 9, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pool, l := pgTenEvents(t)
			if v, err := l.Verify(context.Background()); err != nil || !v.OK || v.Checked != 15 || v.Nodes != 2 {
				t.Fatalf("before: %+v %v", v, err)
			}
			tc.tamper(t, pool)
			v, err := l.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tc.node == "" {
				tc.node = "n1"
			}
			if v.OK || v.Problem != tc.problem || v.Seq != tc.seq || v.Node != tc.node {
				t.Errorf("verify: %+v, want %s at %s seq %d", v, tc.problem, tc.node, tc.seq)
			}
		})
	}
}

// TestPostgresIndexDamageRefusesQueryUntilReindex: a copied column that
// lies makes the query that finds the row by it fail, and every filtered
// query after verify, until reindex rewrites the columns from the lines.
func TestPostgresIndexDamageRefusesQueryUntilReindex(t *testing.T) {
	pool, l := pgTenEvents(t)
	ctx := context.Background()
	pgExec(t, pool, `UPDATE audit_events SET client_id = 'c5' WHERE node_id = 'n1' AND seq = 3`)
	if _, err := l.Query(ctx, Filter{ClientID: "c5"}); !errors.Is(err, ErrIndexDamaged) {
		t.Fatalf("query by the lying column: %v", err)
	}
	if _, err := l.Query(ctx, Filter{Subject: "bob"}); !errors.Is(err, ErrIndexDamaged) {
		t.Fatalf("filtered query after the damage was seen: %v", err)
	}
	if res, err := l.Reindex(ctx); err != nil || res.Added != 1 {
		t.Fatalf("reindex: %+v %v", res, err)
	}
	if v, err := l.Verify(ctx); err != nil || !v.OK {
		t.Fatalf("verify after reindex: %+v %v", v, err)
	}
	p, err := l.Query(ctx, Filter{ClientID: "c5"})
	if err != nil || len(p.Entries) != 1 || p.Entries[0].Seq != 5 {
		t.Fatalf("query after reindex: %+v %v", p, err)
	}
}

// TestPostgresNodesShareOneLog: two nodes record concurrently into one
// database; each event names its node, one query sees both, a cursor
// made by one node continues on the other, and both chains verify.
func TestPostgresNodesShareOneLog(t *testing.T) {
	ctx := context.Background()
	a, b := twoLogs(t, "node-a", "node-b")
	recordConcurrently(t, []*Log{a, b, a, b, a, b, a, b}, 50, Event{Type: TokenIssued, Outcome: Success, ClientID: "web", Node: "spoofed"})
	seen := map[string]map[uint64]bool{"node-a": {}, "node-b": {}}
	cursor := ""
	for page, from := 0, a; ; page, from = page+1, map[*Log]*Log{a: b, b: a}[from] {
		p, err := from.Query(ctx, Filter{ClientID: "web", Limit: 70, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Entries {
			if seen[e.Node] == nil || seen[e.Node][e.Seq] {
				t.Fatalf("event %s/%d unexpected or twice", e.Node, e.Seq)
			}
			seen[e.Node][e.Seq] = true
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if len(seen["node-a"]) != 200 || len(seen["node-b"]) != 200 {
		t.Fatalf("seen %d and %d events, want 200 each", len(seen["node-a"]), len(seen["node-b"]))
	}
	v, err := b.Verify(ctx)
	if err != nil || !v.OK || v.Checked != 400 || v.Nodes != 2 {
		t.Fatalf("verify: %+v %v", v, err)
	}
	var buf bytes.Buffer
	if n, err := a.Export(ctx, time.Time{}, time.Time{}, &buf); err != nil || n != 400 {
		t.Fatalf("export: %d %v", n, err)
	}
}

// TestPostgresSameNodeIDTwice: two processes recording under one node id
// (a CLI next to its server) conflict on the head row; the loser chains
// again after the winner's events, and nothing is lost.
func TestPostgresSameNodeIDTwice(t *testing.T) {
	ctx := context.Background()
	a, b := twoLogs(t, "same", "same")
	recordConcurrently(t, []*Log{a, b, a, b}, 25, Event{Type: AdminAction, Outcome: Success})
	v, err := a.Verify(ctx)
	if err != nil || !v.OK || v.Checked != 100 {
		t.Fatalf("verify: %+v %v", v, err)
	}
}

// TestPostgresWriterBatches: the PostgreSQL writer commits queued events
// many to a transaction (one INSERT per batch), never one per event.
func TestPostgresWriterBatches(t *testing.T) {
	l := openPG(t, Options{Retention: -1})
	ctx := context.Background()
	const n = 3000
	for i := 0; i < n; i++ {
		l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"})
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	t.Logf("%d events in %d transactions", st.Recorded, st.Batches)
	if st.Recorded != n || st.Batches > n/20 {
		t.Fatalf("stats %+v: want %d events in at most %d transactions", st, n, n/20)
	}
}

// recordConcurrently records n copies of e with RecordSync into each of
// logs at once (one goroutine per entry).
func recordConcurrently(t *testing.T, logs []*Log, n int, e Event) {
	t.Helper()
	var wg sync.WaitGroup
	for _, x := range logs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if err := x.RecordSync(context.Background(), e); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// twoLogs opens two logs on one fresh database, as nodes a and b.
func twoLogs(t *testing.T, a, b string) (*Log, *Log) {
	t.Helper()
	pool := pgPool(t)
	return openPGOn(t, pool, Options{NodeID: a, Retention: -1}), openPGOn(t, pool, Options{NodeID: b, Retention: -1})
}
