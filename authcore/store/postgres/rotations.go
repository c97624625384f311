package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkey/latchkey/authcore"
)

// rotations groups the rotations that arrive while others are being
// committed into one transaction (issue 19: durable rotations per server
// core). Each rotation is still rotateSQL with its own arguments, but the
// rotations of a group go to the database as one pipeline ending in one
// Sync: PostgreSQL runs them as one implicit transaction, so the group
// costs one round trip, one commit and one WAL flush instead of one per
// rotation. Every caller is answered only after that commit, as before.
// (One statement for the whole group, over the rotations as arrays,
// would also share the executor's start-up; but its joins let the
// planner seq-scan refresh_tokens in the plan it caches while the
// tables are young, which cost more than it saved. rotateSQL only ever
// looks a token up by its key.)
//
// A group is all or nothing: when any of its statements fails, the
// database rolls all of them back and each rotation runs again on its
// own (rotateOne), so its caller gets its own answer and nothing of a
// failed group is half done. Two rotations of one token never share a
// group: the later one waits for the next, where it finds the token
// rotated (ErrConsumed), as it would have found it on its own.
type rotations struct {
	pool *pgxpool.Pool
	groupQueue[*rotation]
}

// rotation is one RotateRefreshToken waiting for its group.
type rotation struct {
	ctx     context.Context
	oldHash string
	next    authcore.RefreshToken
	at      authcore.IssuedToken
	now     time.Time

	old    authcore.RefreshToken
	status string
	err    error
	done   chan struct{}
}

const (
	// maxRotationGroup bounds a group. One group commits at a time:
	// the next gathers while it waits for its WAL flush (two at a time
	// made smaller groups and cost more per rotation: 696-788 µs/op for
	// Latchkey and PostgreSQL on one core against 649-705).
	maxRotationGroup = 32
	// rotationTimeout bounds a group's round trip, whose requests may
	// have deadlines of their own that no single one should impose.
	rotationTimeout = 30 * time.Second
)

// rotate runs r in the next group and waits for its answer.
func (g *rotations) rotate(r *rotation) {
	r.done = make(chan struct{})
	g.add(r, g.lead) // groupqueue.go
	<-r.done
}

// lead commits groups until none is waiting.
func (g *rotations) lead() {
	for group := g.next(g.take); group != nil; group = g.next(g.take) {
		g.run(group)
	}
}

// take removes the next group from pending: at most maxRotationGroup
// rotations, no two of the same token (a second stays for the next
// group), callers that gave up answered at once. g.mu is held.
func (g *rotations) take() []*rotation {
	var group []*rotation
	var seen map[string]bool
	kept := g.pending[:0]
	for _, r := range g.pending {
		switch {
		case r.ctx.Err() != nil:
			r.err = r.ctx.Err()
			close(r.done)
		case len(group) == maxRotationGroup || seen[r.oldHash]:
			kept = append(kept, r)
		default:
			if seen == nil {
				seen = make(map[string]bool, 8)
			}
			seen[r.oldHash] = true
			group = append(group, r)
		}
	}
	clear(g.pending[len(kept):])
	g.pending = kept
	return group
}

// run commits group and answers its callers.
func (g *rotations) run(group []*rotation) {
	defer func() {
		for _, r := range group {
			close(r.done)
		}
	}()
	if len(group) == 1 {
		g.rotateOne(group[0])
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(group[0].ctx), rotationTimeout)
	defer cancel()
	err := g.runGroup(ctx, group)
	var pe *pgconn.PgError
	switch {
	case err == nil:
	case errors.As(err, &pe):
		// The statement failed, so its transaction rolled back: each
		// on its own, for its own answer.
		for _, r := range group {
			g.rotateOne(r)
		}
	default:
		// Whether it committed is not known (the connection failed, or
		// a row could not be read after the Sync): every caller is told,
		// as the caller of a single rotation would be. Running them
		// again would call rotations the group made reuse.
		for _, r := range group {
			r.err = storeErr(err)
		}
	}
}

// runGroup sends the group's rotations as one pipeline (one implicit
// transaction) and reads their results. A *pgconn.PgError means a
// statement failed and the database committed none of them.
func (g *rotations) runGroup(ctx context.Context, group []*rotation) (err error) {
	b := &pgx.Batch{}
	ctxs := make([]context.Context, len(group))
	for i, r := range group {
		b.Queue(rotateSQL, rotateArgs(r.oldHash, r.next, r.at, r.now)...)
		ctxs[i] = r.ctx
	}
	end := groupSpans(ctxs, rotateSQL)
	defer func() { end(err) }()
	br := g.pool.SendBatch(ctx, b)
	rows := make([]rotateRow, len(group))
	for i := range group {
		if err = rows[i].scan(br.QueryRow()); err != nil {
			_ = br.Close()
			return err
		}
	}
	// The transaction commits at the pipeline's Sync, which Close reads.
	if err = br.Close(); err != nil {
		return err
	}
	for i, r := range group {
		r.old, r.status, r.err = rows[i].result(r.next, r.now)
		if r.err == nil && r.status == "" {
			r.old, r.status, r.err = consumed(r.ctx, g.pool, r.oldHash, r.now)
			r.err = storeErr(r.err)
		}
	}
	return nil
}

// rotateOne runs r's rotation as its own statement, again on a
// serialization failure or deadlock.
func (g *rotations) rotateOne(r *rotation) {
	r.err = retry(r.ctx, func() (err error) {
		r.old, r.status, err = rotate(r.ctx, g.pool, r.oldHash, r.next, r.at, r.now)
		return err
	})
}
