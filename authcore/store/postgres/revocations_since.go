package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

var _ authcore.RevocationLog = (*Store)(nil)

// revocationCursorKept is how long a revocation cursor is honoured: the
// change log keeps rows for changesKept by the database's clock, but a
// row is stamped when its transaction starts, so a long transaction's
// row is older than its commit; the margin is the watcher's
// (changesResync).
const revocationCursorKept = changesKept - changesResync

// A revocation cursor is "v1.<xmin>.<unix seconds>": the xmin of the
// snapshot it was taken in (every transaction below it had ended, see
// changeCursor) and the database's time then.
const revocationCursorPrefix = "v1."

// RevocationCursor implements authcore.RevocationLog.
func (s *Store) RevocationCursor(ctx context.Context) (string, error) {
	var xmin, at int64
	err := s.pool.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, extract(epoch FROM now())::bigint`).Scan(&xmin, &at)
	if err != nil {
		return "", storeErr(err)
	}
	return formatRevocationCursor(xmin, at), nil
}

// RevocationsSince implements authcore.RevocationLog from the change log
// (migration 0030): the revoked rows of every transaction at or above
// the cursor's xmin, read in one snapshot with the next cursor's xmin.
func (s *Store) RevocationsSince(ctx context.Context, cursor string) ([]authcore.Revocation, string, error) {
	xmin, at, ok := parseRevocationCursor(cursor)
	if !ok {
		return nil, "", authcore.ErrCursorExpired
	}
	var out []authcore.Revocation
	var next, now int64
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, extract(epoch FROM now())::bigint`).Scan(&next, &now); err != nil {
			return err
		}
		if age := time.Duration(now-at) * time.Second; age > revocationCursorKept || age < -time.Minute {
			return authcore.ErrCursorExpired
		}
		rows, err := tx.Query(ctx, `SELECT ref, expires_at FROM changes
			WHERE kind = 'revoked' AND txid >= $1::text::xid8 ORDER BY id`, strconv.FormatInt(xmin, 10))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (authcore.Revocation, error) {
			var rv authcore.Revocation
			var exp *time.Time
			err := r.Scan(&rv.JTI, &exp)
			rv.ExpiresAt = tv(exp)
			return rv, err
		})
		return err
	})
	if errors.Is(err, authcore.ErrCursorExpired) {
		return nil, "", err
	}
	if err != nil {
		return nil, "", storeErr(err)
	}
	return out, formatRevocationCursor(max(next, xmin), now), nil
}

func formatRevocationCursor(xmin, at int64) string {
	return fmt.Sprintf("%s%d.%d", revocationCursorPrefix, xmin, at)
}

// parseRevocationCursor reads a cursor a gateway sent back; anything
// else is refused (the caller falls back to the full list).
func parseRevocationCursor(c string) (xmin, at int64, ok bool) {
	rest, found := strings.CutPrefix(c, revocationCursorPrefix)
	x, a, found2 := strings.Cut(rest, ".")
	if !found || !found2 {
		return 0, 0, false
	}
	xmin, err1 := strconv.ParseInt(x, 10, 64)
	at, err2 := strconv.ParseInt(a, 10, 64)
	if err1 != nil || err2 != nil || xmin <= 0 || at <= 0 {
		return 0, 0, false
	}
	return xmin, at, true
}
