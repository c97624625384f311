package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkey/latchkey/authcore"
)

// familyReads groups the GetRefreshFamily reads that arrive while others
// are on their way to the database into one pipeline (issue 19: durable
// refresh rotations per server core). A refresh reads its family before
// it rotates it, so under load half the requests wait on a read: each
// read alone cost a round trip of its own, the larger part of it the
// system calls and context switches on both sides (pgx in Latchkey,
// the backend in PostgreSQL), as much as the statement itself. Each read
// is still familySQL with its own arguments and its own snapshot (a
// statement in a pipeline takes its own in READ COMMITTED, as it would
// on its own), so a grouped read answers what a read alone would have.
//
// Reads write nothing, so anything that goes wrong with a group is
// answered the simple way: each of its reads runs again on its own.
type familyReads struct {
	pool *pgxpool.Pool
	sql  string // familySQL; tests replace it
	groupQueue[*familyRead]
}

// familyRead is one GetRefreshFamily waiting for its group.
type familyRead struct {
	ctx  context.Context
	hash string
	now  time.Time

	rt   authcore.RefreshToken
	g    *authcore.Grant
	err  error
	done chan struct{}
}

const (
	// maxReadGroup bounds a group.
	maxReadGroup = 32
	// readTimeout bounds a group's round trip; a caller whose own
	// deadline comes first stops waiting for it (read).
	readTimeout = 30 * time.Second
)

// read runs r in the next group and returns its answer, or its
// context's error: nothing is written, so a caller may stop waiting at
// any time (the leader still answers r, which nobody reads any more).
func (g *familyReads) read(r *familyRead) (authcore.RefreshToken, *authcore.Grant, error) {
	r.done = make(chan struct{})
	g.add(r, g.lead) // groupqueue.go
	select {
	case <-r.done:
		return r.rt, r.g, r.err
	case <-r.ctx.Done():
		return authcore.RefreshToken{}, nil, r.ctx.Err()
	}
}

// lead sends groups until none is waiting.
func (g *familyReads) lead() {
	for group := g.next(g.take); group != nil; group = g.next(g.take) {
		g.run(group)
	}
}

// take removes the next group from pending: the first maxReadGroup
// reads. g.mu is held.
func (g *familyReads) take() []*familyRead {
	n := min(len(g.pending), maxReadGroup)
	group := slices.Clone(g.pending[:n])
	rest := copy(g.pending, g.pending[n:])
	clear(g.pending[rest:])
	g.pending = g.pending[:rest]
	return group
}

// run reads group and answers its callers.
func (g *familyReads) run(group []*familyRead) {
	defer func() {
		for _, r := range group {
			close(r.done)
		}
	}()
	if len(group) > 1 && g.runGroup(group) == nil {
		return
	}
	for _, r := range group {
		if r.ctx.Err() != nil {
			continue // its caller has stopped waiting (read)
		}
		r.rt, r.g, r.err = scanFamily(g.pool.QueryRow(r.ctx, g.sql, r.hash, r.now))
	}
}

// runGroup sends group's reads as one pipeline and reads their rows. A
// token that is not found is that read's answer; any other error is the
// group's, and its reads run again on their own (run).
func (g *familyReads) runGroup(group []*familyRead) (err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(group[0].ctx), readTimeout)
	defer cancel()
	b := &pgx.Batch{}
	ctxs := make([]context.Context, len(group))
	for i, r := range group {
		b.Queue(g.sql, r.hash, r.now)
		ctxs[i] = r.ctx
	}
	end := groupSpans(ctxs, g.sql)
	defer func() { end(err) }()
	br := g.pool.SendBatch(ctx, b)
	// Answers go straight to the reads: when the group fails, run reads
	// each again, over whatever this left.
	for _, r := range group {
		r.rt, r.g, r.err = scanFamily(br.QueryRow())
		if r.err != nil && !errors.Is(r.err, authcore.ErrNotFound) {
			_ = br.Close()
			return r.err
		}
	}
	return br.Close()
}

// scanFamily reads familySQL's row: the token, and its grant or nil.
func scanFamily(row pgx.Row) (authcore.RefreshToken, *authcore.Grant, error) {
	var gID, gClient, gUser, gReason *string
	var gDoc []byte
	var gRevoked *bool
	var gRevokedAt, gExp, gCreated *time.Time
	rt, err := scanRTWith(row, &gID, &gClient, &gUser, &gDoc, &gRevoked, &gRevokedAt, &gReason, &gExp, &gCreated)
	if err != nil {
		return authcore.RefreshToken{}, nil, err
	}
	if gID == nil {
		return rt, nil, nil
	}
	g := authcore.Grant{ID: *gID, ClientID: deref(gClient), UserID: deref(gUser), Revoked: deref(gRevoked),
		RevokedAt: tv(gRevokedAt), RevokedReason: deref(gReason), ExpiresAt: tv(gExp), CreatedAt: tv(gCreated)}
	if err := setGrantDoc(&g, gDoc); err != nil {
		return authcore.RefreshToken{}, nil, storeErr(err)
	}
	return rt, &g, nil
}
