package postgres

import (
	"context"
	"time"
)

// TouchSession records the session's last use at now from ip in one
// conditional UPDATE that leaves expires_at alone; a touch not after the
// stored one updates no row, and the row is then read to tell that
// apart from an unknown or expired session.
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time, ip string) error {
	n, err := s.exec(ctx, `UPDATE sessions SET last_seen_at = $2, last_seen_ip = $3
		WHERE id = $1 AND `+live(2)+` AND (last_seen_at IS NULL OR last_seen_at < $2)`, id, now, ip)
	if err != nil || n == 1 {
		return err
	}
	var one int
	return storeErr(s.pool.QueryRow(ctx, `SELECT 1 FROM sessions WHERE id = $1 AND `+live(2), id, now).Scan(&one))
}
