package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// The change log (migration 0030): every node reads what the others
// changed from the table changes, by cursor, after a NOTIFY on
// changesChannel or at the latest every changesPoll.
const (
	changesChannel = "latchkey_changes"
	// changesPoll is how often a watcher reads the log without a
	// notification, so a lost LISTEN connection delays a change by at
	// most this long instead of stopping it.
	changesPoll = 500 * time.Millisecond
	// changesKept is how long the collector keeps a change row.
	changesKept = time.Hour
	// changesResync is how long a watcher may go without a successful
	// read before it can no longer trust the rows it would read to be
	// complete (the collector may have removed some): it then tells its
	// caller to reload everything. It leaves a wide margin below
	// changesKept for the clocks of the nodes and the database.
	changesResync = 10 * time.Minute
)

// changeCursor is where a reader of the change log stands.
//
// Why not "id > the last id read": ids come from a sequence when a row is
// inserted, but rows become visible when their transaction commits, in
// another order. A transaction that inserted id 7 and commits after
// another committed id 8 would be skipped by a reader that saw 8 and
// moved past it. Instead the cursor is xmin, the oldest transaction still
// running when the reader last read (pg_snapshot_xmin of its snapshot):
// every transaction with a smaller id had ended by then, so all of its
// rows were either read or never committed. The next read takes every row
// with txid >= xmin again, late commits included, and seen (the rows at
// or above xmin already delivered) keeps a row from being delivered
// twice. A transaction that stays open for long only makes the window
// longer; it never delays the other rows, which are delivered as soon
// as they are visible.
type changeCursor struct {
	xmin uint64
	seen map[int64]uint64 // id -> txid, for rows with txid >= xmin
	// read is when the cursor last advanced (the watcher's resync check).
	read time.Time
}

// newChangeCursor starts a cursor at the database's current xmin: it
// will deliver what commits from now on (and possibly a few rows just
// before).
func (s *Store) newChangeCursor(ctx context.Context) (*changeCursor, error) {
	var xmin uint64
	err := s.pool.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`).Scan(&xmin)
	if err != nil {
		return nil, storeErr(err)
	}
	return &changeCursor{xmin: xmin, seen: map[int64]uint64{}, read: time.Now()}, nil
}

// readChanges returns the changes committed since cur last read, in id
// order, and advances cur. The snapshot's xmin and the rows come from
// one REPEATABLE READ snapshot, so no transaction can end between them.
func (s *Store) readChanges(ctx context.Context, cur *changeCursor) ([]authcore.Change, error) {
	type row struct {
		id   int64
		txid uint64
		ch   authcore.Change
	}
	var xmin uint64
	var rows []row
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`).Scan(&xmin); err != nil {
			return err
		}
		rs, err := tx.Query(ctx, `SELECT id, txid::text::bigint, kind, ref, expires_at FROM changes
			WHERE txid >= $1::text::xid8 ORDER BY id`, strconv.FormatUint(cur.xmin, 10))
		if err != nil {
			return err
		}
		rows, err = pgx.CollectRows(rs, func(r pgx.CollectableRow) (row, error) {
			var x row
			var exp *time.Time
			err := r.Scan(&x.id, &x.txid, &x.ch.Kind, &x.ch.Ref, &exp)
			x.ch.ExpiresAt = tv(exp)
			return x, err
		})
		return err
	})
	if err != nil {
		return nil, storeErr(err)
	}
	cur.xmin = max(cur.xmin, xmin)
	var out []authcore.Change
	for _, r := range rows {
		if _, dup := cur.seen[r.id]; !dup {
			out = append(out, r.ch)
			cur.seen[r.id] = r.txid
		}
	}
	for id, txid := range cur.seen {
		if txid < cur.xmin {
			delete(cur.seen, id) // never read again: below the cursor
		}
	}
	cur.read = time.Now()
	return out, nil
}

// pruneChanges deletes change rows older than changesKept by the
// database's clock (the one that stamped them), in batches. It runs
// within GarbageCollect, under its lock; the rows are not records and
// are not counted.
func pruneChanges(ctx context.Context, conn *pgx.Conn) error {
	for {
		tag, err := conn.Exec(ctx, `DELETE FROM changes WHERE id IN (
			SELECT id FROM changes WHERE created_at < now() - $1 * interval '1 second' LIMIT `+strconv.Itoa(gcBatch)+`)`,
			int64(changesKept/time.Second))
		if err != nil || tag.RowsAffected() < gcBatch {
			return err
		}
	}
}
