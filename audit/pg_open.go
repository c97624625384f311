package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
)

// pgBackend is the Backend of a cluster: the audit_* tables of the
// PostgreSQL database the nodes share (schema: migration 0010 of
// authcore/store/postgres). Each node extends its own hash chain, keyed
// (node_id, seq), whose head row it moves in the transaction that
// inserts the events: nodes never wait for each other, and a node's
// in-memory head stays right because only that node extends its chain.
type pgBackend struct {
	pool *pgxpool.Pool
	node string
	log  zerolog.Logger
	// unsynced: a batch was committed asynchronously since the last
	// synchronous commit (pg_commit.go).
	unsynced atomic.Bool
}

// pgTimeout bounds each statement of the PostgreSQL backend that has no
// caller's context (the writer's commits, pruning).
const pgTimeout = 30 * time.Second

// OpenPostgres opens the audit log in the PostgreSQL database of pool,
// whose schema must be migrated (latchkey migrate up), and starts the
// writer and the background pruner. Options.Dir, InMemory, EncryptionKey
// and Gate do not apply (the database's own protection and durability
// do); Options.NodeID names this node's chain. Close leaves pool open.
func OpenPostgres(ctx context.Context, pool *pgxpool.Pool, opt Options) (*Log, error) {
	opt = opt.withDefaults()
	opt.Gate = nil
	if opt.linger == 0 {
		opt.linger = pgLinger
	}
	b := &pgBackend{pool: pool, node: opt.NodeID, log: *opt.Logger}
	_, err := pool.Exec(ctx, `INSERT INTO audit_chains (node_id, head_seq, head_hash, anchor_seq, anchor_hash)
		VALUES ($1, 0, $2, 0, $2) ON CONFLICT (node_id) DO NOTHING`, b.node, genesisHash)
	if err != nil {
		return nil, fmt.Errorf("audit: open on PostgreSQL (is the schema migrated?): %w", err)
	}
	return newLog(b, opt)
}

// loadHead reads node's head row (pruning leaves it in place).
func (b *pgBackend) loadHead(node string) (chainPoint, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	p := chainPoint{Hash: genesisHash}
	var t *time.Time
	err := b.pool.QueryRow(ctx, `SELECT head_seq, head_hash, head_time FROM audit_chains WHERE node_id = $1`, node).
		Scan(&p.Seq, &p.Hash, &t)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("audit: read chain head: %w", err)
	}
	if t != nil {
		p.Time = t.UTC()
	}
	return p, nil
}

// cursorKey reads the cluster's cursor key, making it on first use (the
// first node to insert it wins; the others read its key).
func (b *pgBackend) cursorKey() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	_, err := b.pool.Exec(ctx, `INSERT INTO audit_meta (name, value) VALUES ('cursor-key', $1) ON CONFLICT (name) DO NOTHING`, key)
	if err == nil {
		err = b.pool.QueryRow(ctx, `SELECT value FROM audit_meta WHERE name = 'cursor-key'`).Scan(&key)
	}
	if err == nil && len(key) != 32 {
		err = errors.New("stored key is not 32 bytes")
	}
	if err != nil {
		return nil, fmt.Errorf("audit: cursor key: %w", err)
	}
	return key, nil
}

// maintain: PostgreSQL's autovacuum does the housekeeping.
func (b *pgBackend) maintain(Gate) {}

// close leaves the pool to its owner.
func (b *pgBackend) close(Gate) error { return nil }
