package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgChain is one node's row of audit_chains.
type pgChain struct {
	node         string
	head, anchor chainPoint
}

// verify walks each node's chain in seq order from its anchor to its
// head row, in one snapshot (repeatable read), with the Badger log's
// checks (chainWalk). A row is also checked against its line: its seq
// and time (else the row was moved: Reordered), and the copied
// columns the queries use (else IndexDamaged, reported once every chain
// is intact, as on Badger). Rows of a node with no chain row are
// reported too. A row's node column need not match its event's Node: a
// chain copied from a Badger log (CopyToPostgres) holds events recorded
// before node ids existed; a row moved to another chain breaks both.
func (b *pgBackend) verify(ctx context.Context) (VerifyResult, error) {
	var r VerifyResult
	err := pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := pgLongReads(ctx, tx); err != nil {
			return err
		}
		chains, err := pgChains(ctx, tx)
		if err != nil {
			return err
		}
		var orphan string
		err = tx.QueryRow(ctx, `SELECT coalesce(min(node_id), '') FROM audit_events e
			WHERE NOT EXISTS (SELECT 1 FROM audit_chains c WHERE c.node_id = e.node_id)`).Scan(&orphan)
		if err != nil {
			return err
		}
		if orphan != "" {
			r.Node = orphan
			r.bad(Altered, 0, "events of node %q have no chain head row", orphan)
			return nil
		}
		var damaged VerifyResult // the first row whose columns disagree with its line
		for _, c := range chains {
			if err := b.verifyChain(ctx, tx, c, &r, &damaged); err != nil || r.Problem != "" {
				r.Node = c.node
				return err
			}
			r.Nodes++
		}
		if damaged.Problem != "" {
			r.Problem, r.Seq, r.Detail, r.Node = damaged.Problem, damaged.Seq, damaged.Detail, damaged.Node
		}
		return nil
	})
	r.OK = r.Problem == "" // every path: a chain walked before may have set it
	return r, err
}

func pgChains(ctx context.Context, tx pgx.Tx) ([]pgChain, error) {
	rows, err := tx.Query(ctx, `SELECT node_id, head_seq, head_hash, head_time, anchor_seq, anchor_hash, anchor_time
		FROM audit_chains ORDER BY node_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pgChain
	for rows.Next() {
		var c pgChain
		var ht, at *time.Time
		if err := rows.Scan(&c.node, &c.head.Seq, &c.head.Hash, &ht, &c.anchor.Seq, &c.anchor.Hash, &at); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// pgRow is one row of audit_events as verify reads it.
type pgRow struct {
	seq                                   uint64
	at                                    time.Time
	typ, outcome, client, subject, remote *string
	prev, hash                            string
	line                                  []byte
}

// verifyChain walks node c's rows into r; damaged gets the first row
// whose copied columns disagree with its line.
func (b *pgBackend) verifyChain(ctx context.Context, tx pgx.Tx, c pgChain, r, damaged *VerifyResult) error {
	w := chainWalk{expect: c.anchor.Seq + 1, prev: c.anchor.Hash, r: r}
	r.Anchor = c.anchor.Seq
	rows, err := tx.Query(ctx, `SELECT seq, recorded_at, type, outcome, client_id, subject, remote_ip, prev_hash, hash, line
		FROM audit_events WHERE node_id = $1 ORDER BY seq`, c.node)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if r.Checked%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		var row pgRow
		if err := rows.Scan(&row.seq, &row.at, &row.typ, &row.outcome, &row.client, &row.subject, &row.remote,
			&row.prev, &row.hash, &row.line); err != nil {
			return err
		}
		en, derr := decodeEntry(row.line)
		if derr == nil && en.Time.UnixMicro() != row.at.UnixMicro() {
			r.Checked++
			w.bad(Reordered, row.seq, "the row of node %q seq %d is dated %s, its event %s", c.node, row.seq,
				row.at.UTC().Format(time.RFC3339Nano), en.Time.Format(time.RFC3339Nano))
			return nil
		}
		var k id
		if derr == nil {
			k = makeID(en.Time.UnixNano(), row.seq)
		}
		w.step(k, row.line)
		if r.Problem != "" {
			return nil
		}
		r.Indexed++
		if damaged.Problem == "" {
			if d := pgColumnsDisagree(&row, &en); d != "" {
				damaged.Node = c.node
				damaged.bad(IndexDamaged, row.seq, "the row of node %q seq %d: %s", c.node, row.seq, d)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	w.finish(c.head)
	if r.Problem == "" && c.head.Seq != w.expect-1 {
		w.bad(Altered, c.head.Seq, "the head row of node %q says seq %d, its chain ends at seq %d", c.node, c.head.Seq, w.expect-1)
		r.OK = false
	}
	return nil
}

// pgColumnsDisagree names the first copied column of row that does not
// hold its line's value.
func pgColumnsDisagree(row *pgRow, en *Entry) string {
	for _, c := range []struct {
		name string
		col  *string
		want string
	}{
		{"type", row.typ, string(en.Type)}, {"outcome", row.outcome, string(en.Outcome)},
		{"client_id", row.client, en.ClientID}, {"subject", row.subject, en.Subject}, {"remote_ip", row.remote, en.RemoteIP},
		{"prev_hash", &row.prev, en.PrevHash}, {"hash", &row.hash, en.Hash},
	} {
		have := ""
		if c.col != nil {
			have = *c.col
		}
		if have != c.want || (c.col != nil && have == "" && c.name != "prev_hash" && c.name != "hash") {
			return fmt.Sprintf("column %s is %q, the event's %s is %q", c.name, have, c.name, c.want)
		}
	}
	return ""
}

// pgLongReads lifts the pool's statement timeout (the store's 15 s) for
// the rest of tx: a walk over the whole log is one long statement, bounded
// by the caller's context instead.
func pgLongReads(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`)
	return err
}
