package audit

import (
	"context"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
)

var _ otherNodes = (*pgBackend)(nil)

// followBatch bounds the events of one node one call of others reads;
// the next call goes on from there.
const followBatch = 10000

// others returns the events other nodes committed since the last call
// (none at the first, which only takes the position), oldest first.
//
// It follows each other node's chain by seq from the chain's head row,
// which moves in the transaction that inserts the events up to it: an
// event at or below a committed head is committed, so nothing is missed
// or read twice, and a call reads only what the other nodes added. (It
// read rows above a low-water mark of insertion positions before, which
// only other nodes' rows moved: on one node, every call scanned every
// event recorded since the server started, a full core's tenth within
// minutes at a few thousand tokens a second.) A node that appears after
// the first call is read from its first event.
func (b *pgBackend) others(ctx context.Context, f *followState) ([]Event, error) {
	heads, err := b.otherHeads(ctx)
	if err != nil {
		return nil, err
	}
	if !f.started {
		f.nodes = heads
		f.started = true
		return nil, nil
	}
	var out []Event
	for node, head := range heads {
		after := f.nodes[node]
		if head <= after {
			continue
		}
		es, last, err := b.chainSince(ctx, node, after, head)
		if err != nil {
			return nil, err
		}
		f.nodes[node] = last
		out = append(out, es...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// otherHeads returns the head seq of every chain but this node's.
func (b *pgBackend) otherHeads(ctx context.Context) (map[string]uint64, error) {
	rows, err := b.pool.Query(ctx, `SELECT node_id, head_seq FROM audit_chains WHERE node_id <> $1`, b.node)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	heads := map[string]uint64{}
	var node string
	var seq int64
	if _, err := pgx.ForEachRow(rows, []any{&node, &seq}, func() error {
		heads[node] = uint64(seq)
		return nil
	}); err != nil {
		return nil, err
	}
	return heads, nil
}

// chainSince returns node's events after seq after up to head (at most
// followBatch of them), oldest first, and the seq it read up to.
func (b *pgBackend) chainSince(ctx context.Context, node string, after, head uint64) ([]Event, uint64, error) {
	rows, err := b.pool.Query(ctx, `SELECT seq, line FROM audit_events WHERE node_id = $1 AND seq > $2 AND seq <= $3
		ORDER BY seq LIMIT `+strconv.Itoa(followBatch), node, int64(after), int64(head))
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var out []Event
	last := after
	n := 0
	var seq int64
	var line []byte
	if _, err := pgx.ForEachRow(rows, []any{&seq, &line}, func() error {
		n++
		last = uint64(seq)
		if en, err := decodeEntry(line); err == nil {
			out = append(out, en.Event)
		}
		return nil
	}); err != nil {
		return nil, after, err
	}
	if n < followBatch {
		last = head // rows pruned meanwhile are not waited for
	}
	return out, last, nil
}
