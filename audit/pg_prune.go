package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pruneOnce removes up to pruneBatch events older than limit from the
// nodes' chains, oldest first, re-checking the chain of what it removes
// (ErrChainBroken rather than destroy evidence), and moves each anchor.
// Any node may prune every chain: the chain row is locked meanwhile.
func (b *pgBackend) pruneOnce(limit int64) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	var nodes []string
	rows, err := b.pool.Query(ctx, `SELECT node_id FROM audit_chains ORDER BY node_id`)
	if err == nil {
		nodes, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		return 0, fmt.Errorf("audit: prune: %w", err)
	}
	total := 0
	var broken error
	for _, node := range nodes {
		if total == pruneBatch {
			break // the next call goes on
		}
		n, err := b.pruneChain(ctx, node, time.Unix(0, limit), pruneBatch-total)
		total += n
		if errors.Is(err, ErrChainBroken) {
			b.log.Error().Err(err).Str("node", node).Msg("audit: prune stopped at a broken chain")
			broken = err
			continue
		}
		if err != nil {
			return total, fmt.Errorf("audit: prune: %w", err)
		}
	}
	if total < pruneBatch {
		return total, broken
	}
	return total, nil
}

// pruneChain prunes node's chain by up to max events before limit.
func (b *pgBackend) pruneChain(ctx context.Context, node string, limit time.Time, max int) (int, error) {
	events := 0
	var broken error
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		var anchor chainPoint
		if err := tx.QueryRow(ctx, `SELECT anchor_seq, anchor_hash FROM audit_chains WHERE node_id = $1 FOR UPDATE`, node).
			Scan(&anchor.Seq, &anchor.Hash); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT seq, line FROM audit_events WHERE node_id = $1 AND seq > $2
			ORDER BY seq LIMIT $3`, node, anchor.Seq, max)
		if err != nil {
			return err
		}
		var seq uint64
		var line []byte
		for rows.Next() {
			if err := rows.Scan(&seq, &line); err != nil {
				rows.Close()
				return err
			}
			body, hash, _ := splitLine(line)
			en, err := decodeEntry(line)
			if err == nil && !en.Time.Before(limit) {
				break
			}
			if err != nil || en.Seq != anchor.Seq+1 || en.PrevHash != anchor.Hash ||
				chainHash(en.PrevHash, body) != hash || en.Seq != seq {
				broken = fmt.Errorf("%w: node %q at seq %d", ErrChainBroken, node, seq)
				break
			}
			anchor = chainPoint{Seq: en.Seq, Hash: hash, Time: en.Time}
			events++
		}
		rows.Close()
		if err := rows.Err(); err != nil || events == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE node_id = $1 AND seq <= $2`, node, anchor.Seq); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE audit_chains SET anchor_seq = $2, anchor_hash = $3, anchor_time = $4 WHERE node_id = $1`,
			node, anchor.Seq, anchor.Hash, anchor.Time)
		return err
	})
	if err != nil {
		return 0, err
	}
	return events, broken
}

// reindex rewrites the copied columns of every row whose columns do not
// hold its line's values (the chain verified, so the lines are right).
func (b *pgBackend) reindex(ctx context.Context) (ReindexResult, error) {
	var tag pgconn.CommandTag
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if err := pgLongReads(ctx, tx); err != nil {
			return err
		}
		var err error
		tag, err = tx.Exec(ctx, pgReindex)
		return err
	})
	if err != nil {
		return ReindexResult{}, err
	}
	n := int(tag.RowsAffected())
	return ReindexResult{Removed: n, Added: n}, nil
}

// pgReindex rewrites the copied columns that disagree with the lines.
const pgReindex = `UPDATE audit_events SET
			type = NULLIF(j->>'type', ''), outcome = NULLIF(j->>'outcome', ''),
			client_id = NULLIF(j->>'client_id', ''), subject = NULLIF(j->>'subject', ''),
			remote_ip = NULLIF(j->>'remote_addr', ''), prev_hash = j->>'prev_hash', hash = j->>'hash'
		FROM (SELECT pos AS p, convert_from(line, 'UTF8')::jsonb AS j FROM audit_events) AS s
		WHERE pos = s.p AND (type IS DISTINCT FROM NULLIF(j->>'type', '') OR outcome IS DISTINCT FROM NULLIF(j->>'outcome', '')
			OR client_id IS DISTINCT FROM NULLIF(j->>'client_id', '') OR subject IS DISTINCT FROM NULLIF(j->>'subject', '')
			OR remote_ip IS DISTINCT FROM NULLIF(j->>'remote_addr', '') OR prev_hash <> j->>'prev_hash' OR hash <> j->>'hash')`
