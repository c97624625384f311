package audit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errChainMoved: the node's head row is not where this writer left it,
// because another process recorded under the same node id. The writer
// reloads the head and chains the batch again (writer.go).
var errChainMoved = errors.New("audit: the chain head moved (another process records under this node id)")

// pgInsert inserts a batch in one statement: the columns arrive as
// arrays (one round trip, however many events).
const pgInsert = `INSERT INTO audit_events
	(node_id, seq, recorded_at, type, outcome, client_id, subject, remote_ip, prev_hash, hash, line)
	SELECT $1, s, t, NULLIF(ty, ''), NULLIF(o, ''), NULLIF(c, ''), NULLIF(su, ''), NULLIF(r, ''), p, h, l
	FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::text[], $10::text[], $11::bytea[]) AS u(s, t, ty, o, c, su, r, p, h, l)`

// pgCommit inserts a batch and moves the head row in one statement (one
// round trip, its own transaction): the head moves only from where this
// writer left it ($12..$16), and the events are inserted only if it did.
// $17 is the transaction's synchronous_commit (commitMode).
const pgCommit = `WITH durability AS (SELECT set_config('synchronous_commit', $17, true)),
	moved AS (
		UPDATE audit_chains SET head_seq = $12, head_hash = $13, head_time = $14
		WHERE node_id = $1 AND head_seq = $15 AND head_hash = $16 RETURNING 1)
	` + pgInsert + `
	WHERE EXISTS (SELECT 1 FROM moved) AND EXISTS (SELECT 1 FROM durability)`

// commit inserts st and moves the head row in one statement (pgCommit),
// so a batch costs one round trip: when the head is not where this writer
// left it, nothing is written and it is errChainMoved.
func (b *pgBackend) commit(st []staged) (int, error) {
	if len(st) == 0 {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	cols := pgColumns(st)
	first, last := st[0], st[len(st)-1]
	mode := commitMode(st)
	tag, err := b.pool.Exec(ctx, pgCommit, b.node, cols.seq, cols.at, cols.typ, cols.outcome, cols.client,
		cols.subject, cols.remote, cols.prev, cols.hash, cols.line,
		last.head.Seq, last.head.Hash, last.head.Time, first.head.Seq-1, first.prev, mode)
	if err != nil {
		return 0, fmt.Errorf("audit: commit: %w", err)
	}
	if tag.RowsAffected() != int64(len(st)) {
		return 0, errChainMoved
	}
	// A synchronous commit flushes the WAL up to itself, so every earlier
	// asynchronous one with it.
	b.unsynced.Store(mode == asyncCommit)
	return 1, nil
}

// The synchronous_commit of a batch: as Badger's log promises, an event a
// caller waits for (RecordSync, Flush) is durable when the call returns,
// and the others within syncEvery (the writer's syncer calls sync). So a
// batch nobody waits for does not wait for its WAL flush: PostgreSQL's WAL
// writer flushes it within 3 x wal_writer_delay (600 ms by default), and
// sync within syncEvery in any case. A crash of Latchkey loses none of it.
const (
	syncCommit  = "on"
	asyncCommit = "off"
)

func commitMode(st []staged) string {
	for _, s := range st {
		if s.p.done != nil {
			return syncCommit
		}
	}
	return asyncCommit
}

// sync makes the asynchronous commits durable, if there were any since
// the last synchronous one: a transaction that writes (an xid) commits
// synchronously and so flushes the WAL up to itself.
func (b *pgBackend) sync() error {
	if !b.unsynced.Swap(false) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	if _, err := b.pool.Exec(ctx, `SELECT pg_catalog.txid_current()`); err != nil {
		b.unsynced.Store(true)
		return fmt.Errorf("audit: sync: %w", err)
	}
	return nil
}

// pgBatch is a batch as column arrays.
type pgBatch struct {
	seq                                               []int64
	at                                                []time.Time
	typ, outcome, client, subject, remote, prev, hash []string
	line                                              [][]byte
}

func pgColumns(st []staged) pgBatch {
	var c pgBatch
	for _, s := range st {
		c.seq = append(c.seq, int64(s.head.Seq))
		c.at = append(c.at, s.ev.Time)
		c.typ = append(c.typ, string(s.ev.Type))
		c.outcome = append(c.outcome, string(s.ev.Outcome))
		c.client = append(c.client, s.ev.ClientID)
		c.subject = append(c.subject, s.ev.Subject)
		c.remote = append(c.remote, s.ev.RemoteIP)
		c.prev = append(c.prev, s.prev)
		c.hash = append(c.hash, s.head.Hash)
		c.line = append(c.line, s.line)
	}
	return c
}
