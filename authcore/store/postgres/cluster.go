package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// Heartbeat records n in the nodes table.
func (s *Store) Heartbeat(ctx context.Context, n authcore.Node) error {
	if n.ID == "" {
		return errEmptyID
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO nodes (id, version, address, started_at, last_seen) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, address = EXCLUDED.address,
			started_at = EXCLUDED.started_at, last_seen = EXCLUDED.last_seen`,
		n.ID, n.Version, n.Address, n.StartedAt.UTC(), n.LastSeen.UTC())
	return storeErr(err)
}

// ListNodes returns the nodes seen at or after since, by ID.
func (s *Store) ListNodes(ctx context.Context, since time.Time) ([]authcore.Node, error) {
	return list(ctx, s, `SELECT id, version, address, started_at, last_seen FROM nodes WHERE last_seen >= $1 ORDER BY id`,
		[]any{since.UTC()}, func(row pgx.Row) (authcore.Node, error) {
			var n authcore.Node
			err := row.Scan(&n.ID, &n.Version, &n.Address, &n.StartedAt, &n.LastSeen)
			return n, storeErr(err)
		})
}

// AcquireLease takes or renews the lease in one conditional upsert: the
// row is written only when holder holds it or it ended before now, and
// the row lock orders concurrent callers, so one of them wins. Expiry is
// judged by the caller's clock, like every expiry in this store.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" {
		return false, errEmptyID
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
		WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < $4`,
		name, holder, now.Add(ttl).UTC(), now.UTC())
	if err != nil {
		return false, storeErr(err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReleaseLease deletes holder's lease name.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
	return storeErr(err)
}

// Ready reads the schema version in one query: it fails when PostgreSQL
// does not answer, and when the schema is not the one this binary needs
// (another node migrated further, or a migration failed halfway).
func (s *Store) Ready(ctx context.Context) error {
	var v int64
	var dirty bool
	if err := s.pool.QueryRow(ctx, `SELECT version, dirty FROM `+migrationsTable).Scan(&v, &dirty); err != nil {
		return fmt.Errorf("postgres: store unreachable: %w", storeErr(err))
	}
	st := SchemaStatus{Current: uint(v), Latest: LatestVersion(), Dirty: dirty}
	return st.usable(false)
}
