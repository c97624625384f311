// Package postgres is Latchkey's store for several nodes: an
// implementation of authcore.Storage on PostgreSQL (pgx v5 and its pool),
// passing the same store/storetest suite as the embedded Badger store.
//
// It owns its schema: versioned SQL files embedded in the binary
// (migrations/), applied by golang-migrate under a PostgreSQL advisory
// lock, so that several nodes starting at once apply each exactly once.
// Open refuses a schema newer than the binary knows, and an older one
// unless Options.Migrate is set (`latchkey migrate up` or `serve
// --migrate`).
//
// Records use PostgreSQL's own types and constraints (timestamptz, bytea,
// text[], jsonb for the descriptive part of a record, foreign keys,
// unique indexes, CHECKs), so the database itself refuses impossible
// states. Secrets are stored as the hashes callers pass in; signing keys
// and identity providers' client secrets are encrypted with AES-GCM under
// the data-encryption key (Options.EncryptionKey), bound to their row.
//
// Every method is one transaction in READ COMMITTED with explicit row
// locks (SELECT ... FOR UPDATE, conditional UPDATE ... RETURNING, INSERT
// ... ON CONFLICT), committed with synchronous_commit before it returns.
// Serialization failures and deadlocks (SQLSTATE 40001, 40P01) rerun the
// transaction, updaters included, and surface as authcore.ErrConflict when
// they persist. Expiry is judged by the caller's now or the store's clock
// (Options.Now), never by the database server's now().
package postgres
