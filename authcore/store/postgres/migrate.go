package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// migrations are the schema's versioned SQL files, NNNN_name.up.sql and
// .down.sql; the highest NNNN is the version this binary needs.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationsTable records the schema version (golang-migrate's table).
const migrationsTable = "schema_migrations"

// Errors of the schema check; Open wraps them in a message that says what
// to do.
var (
	// ErrSchemaTooNew: the database was migrated by a newer Latchkey.
	ErrSchemaTooNew = errors.New("postgres: database schema is newer than this binary")
	// ErrSchemaOutdated: the database needs migrations this binary has.
	ErrSchemaOutdated = errors.New("postgres: database schema is older than this binary")
	// ErrSchemaDirty: a migration failed halfway; an operator must look.
	ErrSchemaDirty = errors.New("postgres: a schema migration failed halfway")
)

// SchemaStatus is where a database's schema stands against this binary.
type SchemaStatus struct {
	// Current is the applied version (0: empty database); Latest the
	// version this binary needs.
	Current, Latest uint
	// Dirty is set when the migration to Current failed halfway.
	Dirty bool
	// Pending names the migrations not applied yet, in order.
	Pending []string
}

// LatestVersion is the schema version this binary needs.
func LatestVersion() uint {
	names := migrationNames()
	if len(names) == 0 {
		return 0
	}
	v, _ := strconv.ParseUint(strings.SplitN(names[len(names)-1], "_", 2)[0], 10, 32)
	return uint(v)
}

// migrationNames lists the up migrations, oldest first.
func migrationNames() []string {
	entries, _ := fs.ReadDir(migrations, "migrations")
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".up.sql") {
			names = append(names, strings.TrimSuffix(e.Name(), ".up.sql"))
		}
	}
	sort.Strings(names)
	return names
}

// migrator returns golang-migrate on a connection of pool. Its Up takes
// a PostgreSQL advisory lock (pg_advisory_lock, keyed on the database,
// schema and table), so of several nodes migrating at once one applies
// each migration and the others wait and find nothing left to do.
func migrator(pool *pgxpool.Pool) (*migrate.Migrate, error) {
	src, err := iofs.New(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	drv, err := pgxmigrate.WithInstance(stdlib.OpenDBFromPool(pool), &pgxmigrate.Config{MigrationsTable: migrationsTable})
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return m, nil
}

// Status reports the schema version of the database at pool.
func Status(pool *pgxpool.Pool) (SchemaStatus, error) {
	m, err := migrator(pool)
	if err != nil {
		return SchemaStatus{}, err
	}
	defer m.Close()
	return status(m)
}

func status(m *migrate.Migrate) (SchemaStatus, error) {
	st := SchemaStatus{Latest: LatestVersion()}
	v, dirty, err := m.Version()
	switch {
	case errors.Is(err, migrate.ErrNilVersion):
	case err != nil:
		return st, fmt.Errorf("postgres: schema version: %w", err)
	default:
		st.Current, st.Dirty = v, dirty
	}
	for _, name := range migrationNames() {
		n, _ := strconv.ParseUint(strings.SplitN(name, "_", 2)[0], 10, 32)
		if uint(n) > st.Current {
			st.Pending = append(st.Pending, name)
		}
	}
	return st, nil
}

// MigrateUp applies every pending migration under the advisory lock and
// returns the resulting status. A database newer than the binary is left
// alone and is ErrSchemaTooNew. The dirty flag is judged under the lock
// (by golang-migrate): before it, another node's migration in progress
// looks dirty.
func MigrateUp(pool *pgxpool.Pool) (SchemaStatus, error) {
	m, err := migrator(pool)
	if err != nil {
		return SchemaStatus{}, err
	}
	defer m.Close()
	st, err := status(m)
	if err != nil {
		return st, err
	}
	if st.Current > st.Latest {
		return st, st.usable(true)
	}
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		var dirty migrate.ErrDirty
		if errors.As(err, &dirty) {
			st.Current, st.Dirty = uint(dirty.Version), true
			return st, st.usable(true)
		}
		return st, fmt.Errorf("postgres: migrate up: %w", err)
	}
	return status(m)
}

// usable says whether a store may run on a database in state st, and
// what the operator should do if not.
func (st SchemaStatus) usable(migrating bool) error {
	switch {
	case st.Dirty:
		return fmt.Errorf("%w: version %d is marked dirty; inspect the database, fix it and clear the flag in %s", ErrSchemaDirty, st.Current, migrationsTable)
	case st.Current > st.Latest:
		return fmt.Errorf("%w: the database is at version %d, this binary knows up to %d; run a newer Latchkey", ErrSchemaTooNew, st.Current, st.Latest)
	case st.Current < st.Latest && !migrating:
		return fmt.Errorf("%w: the database is at version %d, this binary needs %d (pending: %s); run `latchkey migrate up` or start with --migrate",
			ErrSchemaOutdated, st.Current, st.Latest, strings.Join(st.Pending, ", "))
	}
	return nil
}

// checkSchema refuses a schema this binary cannot run on, applying
// pending migrations first when migrate is set, then checks the
// encryption key against the database's key_check row.
func (s *Store) checkSchema(ctx context.Context, migrateUp bool) error {
	var st SchemaStatus
	var err error
	if migrateUp {
		st, err = MigrateUp(s.pool)
	} else {
		st, err = Status(s.pool)
		// Dirty is also what another node's migration looks like while
		// it runs: give it time to finish before refusing.
		for wait := 0; err == nil && st.Dirty && wait < 100; wait++ {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
			st, err = Status(s.pool)
		}
	}
	if err != nil {
		return err
	}
	if err := st.usable(false); err != nil {
		return err
	}
	return s.checkKey(ctx)
}

// keyCheckPlain is what the key_check row holds, sealed.
const keyCheckPlain = "latchkey data-encryption key check"

// ErrWrongEncryptionKey: the database was written with another
// data-encryption key.
var ErrWrongEncryptionKey = errors.New("postgres: wrong encryption key: the database was written with another data-encryption key; nothing was changed")

func (s *Store) checkKey(ctx context.Context) error {
	fresh := s.aead.seal([]byte(keyCheckPlain), "key_check")
	if _, err := s.pool.Exec(ctx, `INSERT INTO key_check (id, sealed) VALUES (1, $1) ON CONFLICT DO NOTHING`, fresh); err != nil {
		return storeErr(err)
	}
	var sealed []byte
	if err := s.pool.QueryRow(ctx, `SELECT sealed FROM key_check WHERE id = 1`).Scan(&sealed); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return errors.New("postgres: key_check row missing")
		}
		return storeErr(err)
	}
	if plain, err := s.aead.open(sealed, "key_check"); err != nil || string(plain) != keyCheckPlain {
		return ErrWrongEncryptionKey
	}
	return nil
}
