package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// errBadWindow refuses a counter window that would end at or before now.
var errBadWindow = errors.New("postgres: counter window must be positive")

// IncrementCounter adds one to the counter key (authcore.Counters). It is
// one INSERT ... ON CONFLICT DO UPDATE ... RETURNING: the row lock makes
// concurrent increments on every node queue behind each other, each
// seeing the previous one's count, and a window that ended at or before
// now starts again at 1.
func (s *Store) IncrementCounter(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	if key == "" {
		return 0, time.Time{}, errEmptyID
	}
	if window <= 0 {
		return 0, time.Time{}, errBadWindow
	}
	var n int64
	var until time.Time
	err := s.tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO counters (key, n, expires_at) VALUES ($1, 1, $3)
			ON CONFLICT (key) DO UPDATE SET
				n = CASE WHEN counters.expires_at <= $2 THEN 1 ELSE counters.n + 1 END,
				expires_at = CASE WHEN counters.expires_at <= $2 THEN EXCLUDED.expires_at ELSE counters.expires_at END
			RETURNING n, expires_at`, key, now, now.Add(window)).Scan(&n, &until)
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	return int(n), until, nil
}

// MaxCounter returns the highest live count among keys at now, in one
// statement (authcore.Counters).
func (s *Store) MaxCounter(ctx context.Context, now time.Time, keys ...string) (int, time.Time, error) {
	var n int64
	var until time.Time
	err := s.pool.QueryRow(ctx, `SELECT n, expires_at FROM counters WHERE key = ANY($1) AND expires_at > $2
		ORDER BY n DESC, expires_at DESC LIMIT 1`, keys, now).Scan(&n, &until)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, time.Time{}, nil
	case err != nil:
		return 0, time.Time{}, storeErr(err)
	}
	return int(n), until, nil
}

var _ authcore.Counters = (*Store)(nil)
