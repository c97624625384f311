package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkey/latchkey/authcore/store/postgres"
)

const migrateUsage = `Usage: latchkey migrate status|up --store postgres://...

Shows (status) or applies (up) the schema migrations of a PostgreSQL store.
up takes an advisory lock, so running it on several nodes at once applies
each migration exactly once. serve refuses a database whose schema is older
than the binary unless started with --migrate, and one that is newer always.
`

// runMigrate runs `latchkey migrate status|up`.
func runMigrate(args []string, env Env) error {
	if len(args) == 0 || (args[0] != "status" && args[0] != "up") {
		fmt.Fprint(env.Stderr, migrateUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	var c common
	fs := newFlagSet("migrate "+args[0], migrateUsage, env.Stderr)
	c.register(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if !postgres.IsDSN(c.store) {
		return errors.New("migrate: --store (or $LATCHKEY_STORE) must name a postgres:// database; the data directory's Badger store has no migrations")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, c.store)
	if err != nil {
		return fmt.Errorf("migrate: invalid --store %s", postgres.MaskDSN(c.store))
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("migrate: connect to %s: %s", postgres.MaskDSN(c.store), strings.ReplaceAll(err.Error(), c.store, postgres.MaskDSN(c.store)))
	}
	var st postgres.SchemaStatus
	if args[0] == "up" {
		st, err = postgres.MigrateUp(pool)
	} else {
		st, err = postgres.Status(pool)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "database\t%s\nversion\t%d\nbinary\t%d\n", postgres.MaskDSN(c.store), st.Current, st.Latest)
	switch {
	case st.Dirty:
		fmt.Fprintln(env.Stdout, "state\tdirty: a migration failed halfway; inspect the database")
	case st.Current > st.Latest:
		fmt.Fprintln(env.Stdout, "state\tnewer than this binary: run a newer Latchkey")
	case len(st.Pending) > 0:
		fmt.Fprintf(env.Stdout, "state\tpending: %s (run `latchkey migrate up`)\n", strings.Join(st.Pending, ", "))
	default:
		fmt.Fprintln(env.Stdout, "state\tup to date")
	}
	return nil
}
