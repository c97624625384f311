package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrTargetNotEmpty: CopyToPostgres was given a database whose audit log
// already holds events.
var ErrTargetNotEmpty = errors.New("audit: the target database's audit log already holds events; copy needs an empty one")

// copyBatch is how many events one INSERT of CopyToPostgres carries.
const copyBatch = 1000

// CopyToPostgres copies the Badger log src, chain intact, into the empty
// audit log of the PostgreSQL database of pool, as the chain of node:
// every event keeps its stored line, seq and hash, the chain its anchor
// and head, so verify passes on the target and the node that records
// under node there goes on from the copied head. It refuses a chain that
// does not verify (an index Verify found damaged does not matter: the
// target's columns are made from the lines) and a non-empty target, and
// writes everything in one transaction. It returns the number of events.
// An empty node means DefaultNodeID.
func CopyToPostgres(ctx context.Context, src *Log, pool *pgxpool.Pool, node string) (int, error) {
	if node == "" {
		node = DefaultNodeID()
	}
	return CopyChainsToPostgres(ctx, pool, NodeLogs(NodeLog{Node: node, Log: src}))
}

// ChainSource yields the Badger logs CopyChainsToPostgres copies, one
// node's chain at a time (ok false after the last): a log it returned is
// done with once it is called again, or once the copy returns, so it can
// close each in turn and hold one open at a time.
type ChainSource func() (node string, src *Log, ok bool, err error)

// NodeLog is a Badger log to be copied as the chain of Node.
type NodeLog struct {
	Node string
	Log  *Log
}

// NodeLogs is the ChainSource of logs, in order; it closes none.
func NodeLogs(logs ...NodeLog) ChainSource {
	return func() (string, *Log, bool, error) {
		if len(logs) == 0 {
			return "", nil, false, nil
		}
		l := logs[0]
		logs = logs[1:]
		return l.Node, l.Log, true, nil
	}
}

// CopyChainsToPostgres is CopyToPostgres of several Badger logs, each as
// its node's chain (a cluster's audit log, one chain per node, as a
// restore rebuilt it), all in one transaction into an empty target. A
// node named twice, or unnamed, is refused.
func CopyChainsToPostgres(ctx context.Context, pool *pgxpool.Pool, chains ChainSource) (int, error) {
	n := 0
	var srcErr error // the source's own, returned as is
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var full bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_events) OR EXISTS (SELECT 1 FROM audit_chains WHERE head_seq > 0)`).Scan(&full); err != nil {
			return err
		}
		if full {
			return ErrTargetNotEmpty
		}
		seen := map[string]bool{}
		for {
			node, src, ok, err := chains()
			if err != nil || !ok {
				srcErr = err
				return err
			}
			if node == "" || seen[node] {
				return fmt.Errorf("the chain of node %q is given twice, or its node is unnamed", node)
			}
			seen[node] = true
			b, err := verifiedSource(ctx, src)
			if err != nil {
				return fmt.Errorf("node %q: %w", node, err)
			}
			copied, err := copyChain(ctx, tx, b, node)
			if err != nil {
				return err
			}
			n += copied
		}
	})
	if srcErr != nil {
		return 0, srcErr
	}
	if err != nil {
		return 0, fmt.Errorf("audit: copy: %w", err)
	}
	return n, nil
}

// verifiedSource returns the Badger backend of src once its chain
// verified (an index Verify found damaged does not matter: the target's
// columns are made from the lines).
func verifiedSource(ctx context.Context, src *Log) (*badgerBackend, error) {
	b, ok := src.b.(*badgerBackend)
	if !ok {
		return nil, errors.New("the source is not a Badger log")
	}
	if err := src.Flush(ctx); err != nil {
		return nil, err
	}
	v, err := src.Verify(ctx)
	if err != nil {
		return nil, err
	}
	if !v.OK && v.Problem != IndexDamaged {
		return nil, fmt.Errorf("the source chain does not verify (%s at seq %d: %s)", v.Problem, v.Seq, v.Detail)
	}
	return b, nil
}

// copyChain writes the chain of b as node's: its head and anchor row,
// then its events.
func copyChain(ctx context.Context, tx pgx.Tx, b *badgerBackend, node string) (n int, err error) {
	err = b.db.View(func(txn *badger.Txn) error {
		anchor, head, err := chainEnds(txn)
		if err != nil {
			return err
		}
		if head.Seq == 0 {
			head = anchor
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_chains (node_id, head_seq, head_hash, head_time, anchor_seq, anchor_hash, anchor_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (node_id) DO UPDATE SET head_seq = $2, head_hash = $3, head_time = $4,
			anchor_seq = $5, anchor_hash = $6, anchor_time = $7`,
			node, head.Seq, head.Hash, pgTime(head), anchor.Seq, anchor.Hash, pgTime(anchor))
		if err != nil {
			return err
		}
		n, err = copyEvents(ctx, txn, tx, node)
		return err
	})
	return n, err
}

// pgTime is p's time, NULL for the genesis.
func pgTime(p chainPoint) any {
	if p.Seq == 0 {
		return nil
	}
	return p.Time
}

// copyEvents inserts the Badger events of txn, in chain order, in
// batches of copyBatch rows.
func copyEvents(ctx context.Context, txn *badger.Txn, tx pgx.Tx, node string) (int, error) {
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256, Prefix: prefixEvent})
	defer it.Close()
	var st []staged
	n := 0
	flush := func() error {
		if len(st) == 0 {
			return nil
		}
		c := pgColumns(st)
		_, err := tx.Exec(ctx, pgInsert, node, c.seq, c.at, c.typ, c.outcome, c.client, c.subject, c.remote, c.prev, c.hash, c.line)
		n += len(st)
		st = st[:0]
		return err
	}
	for it.Rewind(); it.Valid(); it.Next() {
		line, err := it.Item().ValueCopy(nil)
		if err != nil {
			return n, err
		}
		en, err := decodeEntry(line)
		if err != nil {
			return n, err // the chain verified: not reached
		}
		st = append(st, staged{line: line, ev: en.Event, prev: en.PrevHash,
			head: chainPoint{Seq: en.Seq, Hash: en.Hash, Time: en.Time}})
		if len(st) == copyBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}
