package audit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgScanBatch is how many rows one round trip of a PostgreSQL query
// fetches while looking for a page of matches.
const pgScanBatch = 500

// pgPosition is the id of a row in the PostgreSQL log: its time in
// microseconds (the column's precision) and its pos, the order in which
// rows were inserted. Query orders by both, newest first, across nodes.
func pgPosition(at time.Time, pos int64) id { return makeID(at.UnixMicro(), uint64(pos)) }

// query answers f with the indexes on the copied columns, then checks
// every row against its stored line: the exact time range, the
// expression, and that the row holds the values it was found by (a row
// whose columns lie fails the query with ErrIndexDamaged).
func (b *pgBackend) query(ctx context.Context, m *matcher, f Filter, after id, limit int) ([]Entry, id, error) {
	where, args := pgWhere(m, f)
	var es []Entry
	var last id
	for {
		w, a := where, args
		if !after.isZero() {
			a = append(a, time.UnixMicro(after.ts()), int64(after.seq()))
			w = append(w, fmt.Sprintf("(recorded_at, pos) < ($%d, $%d)", len(a)-1, len(a)))
		}
		// Planned for these values each time (an unnamed statement), not
		// once for any (a cached statement's generic plan): which index
		// pays depends on how rare the value is, and failures have a
		// partial index of their own (migration 0150) that only a plan
		// knowing the value can use.
		rows, err := b.pool.Query(ctx, pgPageSQL(w), append([]any{pgx.QueryExecModeExec}, a...)...)
		if err != nil {
			return nil, id{}, err
		}
		n := 0
		var pos int64
		var at time.Time
		var line []byte
		for rows.Next() {
			n++
			if err := rows.Scan(&pos, &at, &line); err != nil {
				rows.Close()
				return nil, id{}, err
			}
			after = pgPosition(at, pos)
			en, ok, err := b.candidate(m, pos, line)
			if err != nil {
				rows.Close()
				return nil, id{}, err
			}
			if ok {
				es, last = append(es, en), after
				if len(es) == limit {
					rows.Close()
					return es, last, nil
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, id{}, err
		}
		if n < pgScanBatch {
			return es, last, nil
		}
	}
}

// pgPageSQL is query's statement: the next pgScanBatch rows, newest
// first, that meet the conditions w.
func pgPageSQL(w []string) string {
	sql := `SELECT pos, recorded_at, line FROM audit_events`
	if len(w) > 0 {
		sql += " WHERE " + strings.Join(w, " AND ")
	}
	return sql + " ORDER BY recorded_at DESC, pos DESC LIMIT " + strconv.Itoa(pgScanBatch)
}

// candidate decodes line (row pos) and reports whether it matches m.
func (b *pgBackend) candidate(m *matcher, pos int64, line []byte) (Entry, bool, error) {
	if !m.x.eval(line) {
		return Entry{}, false, nil
	}
	en, err := decodeEntry(line)
	if err != nil {
		b.log.Warn().Err(err).Int64("pos", pos).Msg("audit: undecodable event skipped")
		return Entry{}, false, nil
	}
	if !m.exact(&en.Event) {
		return Entry{}, false, fmt.Errorf("%w: row %d (seq %d of node %q, a %s event) does not hold the values it was found by (run audit verify)",
			ErrIndexDamaged, pos, en.Seq, en.Node, en.Type)
	}
	return en, m.match(&en.Event, line), nil
}

// pgWhere turns the indexed conditions of f and its time range into SQL.
// The range is widened to whole microseconds; candidate checks it exactly.
func pgWhere(m *matcher, f Filter) ([]string, []any) {
	var w []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		w = append(w, fmt.Sprintf(cond, len(args)))
	}
	if m.from != 0 {
		add("recorded_at >= $%d", time.Unix(0, m.from).Truncate(time.Microsecond))
	}
	if m.to != 0 {
		add("recorded_at <= $%d", time.Unix(0, m.to))
	}
	if len(f.Types) > 0 {
		ts := make([]string, len(f.Types))
		for i, t := range f.Types {
			ts[i] = string(t)
		}
		add("type = ANY($%d)", ts)
	}
	for _, c := range []struct{ col, v string }{
		{"outcome", string(f.Outcome)}, {"client_id", f.ClientID}, {"subject", f.Subject}, {"remote_ip", f.RemoteIP},
	} {
		if c.v != "" {
			add(c.col+" = $%d", c.v)
		}
	}
	return w, args
}

// export writes the stored lines of [from, to) oldest first, in the
// order of the rows' time and insertion.
func (b *pgBackend) export(ctx context.Context, from, to time.Time, w io.Writer) (int, error) {
	m := &matcher{}
	if !from.IsZero() {
		m.from = from.UnixNano()
	}
	if !to.IsZero() {
		m.to = to.UnixNano()
	}
	where, args := pgWhere(m, Filter{})
	sql := `SELECT line FROM audit_events`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	err := pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := pgLongReads(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, sql+" ORDER BY recorded_at, pos", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var line []byte
		for rows.Next() {
			if err := rows.Scan(&line); err != nil {
				return err
			}
			if en, err := decodeEntry(line); err == nil && !m.inRange(en.Time.UnixNano()) {
				continue
			}
			bw.Write(line)
			if err := bw.WriteByte('\n'); err != nil {
				return err
			}
			n++
		}
		return rows.Err()
	})
	if err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	return n, nil
}
