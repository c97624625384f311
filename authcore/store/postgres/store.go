package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
)

// Options configures Open. DSN and EncryptionKey are required; every
// other field has a default suited to a node of 2 to 8 cores.
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
	s := &Store{pool: pool, aead: aead, now: opts.Now, log: opts.Logger}
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
	cfg.MaxConns = opts.MaxConns
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = int32(min(32, max(8, 4*runtime.GOMAXPROCS(0))))
	}
	cfg.MinConns = opts.MinConns
	if cfg.MinConns <= 0 {
		cfg.MinConns = min(2, cfg.MaxConns)
	}
	cfg.ConnConfig.ConnectTimeout = orDefault(opts.ConnectTimeout, 5*time.Second)
	cfg.MaxConnLifetime = orDefault(opts.MaxConnLifetime, time.Hour)
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 30 * time.Second
	st := orDefault(opts.StatementTimeout, 15*time.Second)
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(st.Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = "60000"
	cfg.ConnConfig.RuntimeParams["application_name"] = "latchkey"
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
