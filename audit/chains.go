package audit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/jackc/pgx/v5"
)

// ExportChains writes every event to w like Export, but chain by chain:
// before the lines of a node's chain (in seq order) it calls begin with
// the node (PostgreSQL: the node column of audit_chains, in node order,
// all in one consistent read), so a backup can tell the chains apart and
// a restore rebuild each one under its node. A Badger log has one chain,
// written after begin(""). It returns the number of events written.
func (l *Log) ExportChains(ctx context.Context, begin func(node string) error, w io.Writer) (int, error) {
	pg, ok := l.b.(*pgBackend)
	if !ok {
		if err := begin(""); err != nil {
			return 0, err
		}
		return l.b.export(ctx, time.Time{}, time.Time{}, w)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	err := pgx.BeginTxFunc(ctx, pg.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := pgLongReads(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT node_id, line FROM audit_events ORDER BY node_id, seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var node, cur string
		var line []byte
		for ; rows.Next(); n++ {
			if err := rows.Scan(&node, &line); err != nil {
				return err
			}
			if n == 0 || node != cur {
				if err := bw.Flush(); err != nil {
					return err
				}
				if err := begin(node); err != nil {
					return err
				}
				cur = node
			}
			bw.Write(line)
			if err := bw.WriteByte('\n'); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	return n, nil
}

// Heads returns the head of every chain that holds an event, by node (a
// Badger log: its one chain, under ""). After a Verify that passed, each
// is the newest event of its node's chain.
func (l *Log) Heads(ctx context.Context) (map[string]ChainHead, error) {
	out := map[string]ChainHead{}
	pg, ok := l.b.(*pgBackend)
	if !ok {
		b, ok := l.b.(*badgerBackend)
		if !ok {
			return nil, fmt.Errorf("audit: heads: the backend %T", l.b)
		}
		err := b.db.View(func(txn *badger.Txn) error {
			_, head, err := chainEnds(txn)
			if head.Seq > 0 {
				out[""] = ChainHead{Seq: head.Seq, Hash: head.Hash}
			}
			return err
		})
		return out, err
	}
	rows, err := pg.pool.Query(ctx, `SELECT node_id, head_seq, head_hash FROM audit_chains WHERE head_seq > 0`)
	if err != nil {
		return nil, fmt.Errorf("audit: heads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var node string
		var h ChainHead
		if err := rows.Scan(&node, &h.Seq, &h.Hash); err != nil {
			return nil, fmt.Errorf("audit: heads: %w", err)
		}
		out[node] = h
	}
	return out, rows.Err()
}
