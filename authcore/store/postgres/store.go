package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
)

// Options configures Open. DSN and EncryptionKey are required; every
// other field has a default suited to a node of 2 to 8 cores. The pool
// can also be tuned in the URL (pool_max_conns=16&statement_timeout=5000
// and the other pgxpool parameters); a non-zero field here wins.
type Options struct {
	// DSN is the connection URL (postgres://user:password@host:port/db?
	// sslmode=...) or key=value string. It is never logged; use
	// MaskDSN to show it.
	DSN string
	// EncryptionKey encrypts signing keys and identity providers' client
	// secrets (AES-GCM; 16, 24 or 32 bytes). Every node of one
	// installation must be given the same key.
	EncryptionKey []byte
	// Migrate applies pending schema migrations on Open. Without it Open
	// refuses a schema older than this binary's.
	Migrate bool
	// MaxConns bounds the pool (default 4 per CPU, at least 8, at most
	// 32); MinConns are kept open (default 2).
	MaxConns int32
	MinConns int32
	// ConnectTimeout bounds establishing a connection (default 5 s).
	ConnectTimeout time.Duration
	// StatementTimeout bounds each statement on the server (default
	// 15 s), so a stuck lock never holds a request for ever.
	StatementTimeout time.Duration
	// MaxConnLifetime recycles connections (default 1 h), so a node
	// follows a database failover or a DNS change.
	MaxConnLifetime time.Duration
	// Now is the clock of the methods that take no time argument.
	// Defaults to time.Now.
	Now func() time.Time
	// Logger receives the store's own messages (never a DSN or a
	// secret).
	Logger zerolog.Logger
}

// Store is an authcore.Storage on PostgreSQL. It is safe for concurrent
// use by any number of goroutines and nodes.
type Store struct {
	pool *pgxpool.Pool
	aead *sealer
	now  func() time.Time
	log  zerolog.Logger

	clients   clientCache // GetClient's, while the change feed is watched
	rotations rotations   // RotateRefreshToken's groups (rotations.go)
	reads     familyReads // GetRefreshFamily's groups (familyreads.go)

	closeOnce sync.Once
}

var _ authcore.Storage = (*Store)(nil)

// Open connects to the database, checks (or, with Options.Migrate,
// brings up to date) its schema and returns the store.
func Open(ctx context.Context, opts Options) (*Store, error) {
	aead, err := newSealer(opts.EncryptionKey)
	if err != nil {
		return nil, err
	}
	cfg, err := poolConfig(opts)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect to %s: %w", MaskDSN(opts.DSN), scrub(err, opts.DSN))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", MaskDSN(opts.DSN), scrub(err, opts.DSN))
	}
	s := &Store{pool: pool, aead: aead, now: opts.Now, log: opts.Logger, rotations: rotations{pool: pool},
		reads: familyReads{pool: pool, sql: familySQL}}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.checkSchema(ctx, opts.Migrate); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// poolConfig turns opts into pgxpool's configuration.
func poolConfig(opts Options) (*pgxpool.Config, error) {
	if opts.DSN == "" {
		return nil, errors.New("postgres: no DSN given")
	}
	cfg, err := pgxpool.ParseConfig(opts.DSN)
	if err != nil {
		// pgx's parse errors may quote the DSN, password included.
		return nil, fmt.Errorf("postgres: invalid DSN %s", MaskDSN(opts.DSN))
	}
	// The URL's own pool_max_conns, pool_min_conns, connect_timeout,
	// pool_max_conn_lifetime and statement_timeout win over the
	// defaults; Options win over both.
	inURL := func(param string) bool { return strings.Contains(opts.DSN, param+"=") }
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !inURL("pool_max_conns"):
		cfg.MaxConns = int32(min(32, max(8, 4*runtime.GOMAXPROCS(0))))
	}
	switch {
	case opts.MinConns > 0:
		cfg.MinConns = opts.MinConns
	case !inURL("pool_min_conns"):
		cfg.MinConns = min(2, cfg.MaxConns)
	}
	if opts.ConnectTimeout > 0 || !inURL("connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = orDefault(opts.ConnectTimeout, 5*time.Second)
	}
	if opts.MaxConnLifetime > 0 || !inURL("pool_max_conn_lifetime") {
		cfg.MaxConnLifetime = orDefault(opts.MaxConnLifetime, time.Hour)
	}
	if !inURL("pool_max_conn_idle_time") {
		cfg.MaxConnIdleTime = 5 * time.Minute
	}
	cfg.HealthCheckPeriod = 30 * time.Second
	if opts.StatementTimeout > 0 || !inURL("statement_timeout") {
		st := orDefault(opts.StatementTimeout, 15*time.Second)
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(st.Milliseconds(), 10)
	}
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = "60000"
	cfg.ConnConfig.RuntimeParams["application_name"] = "latchkey"
	cfg.ConnConfig.Tracer = queryTracer{} // trace.go: a span per statement when the request is traced
	// Durability is part of the contract: a commit returns after the WAL
	// is flushed, whatever the server's default.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	return cfg, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Pool returns the connection pool, for tools (store copy, health checks)
// that need more than authcore.Storage. Writes through it bypass every
// invariant this package keeps.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(s.pool.Close)
	return nil
}
