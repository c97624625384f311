package postgres

import (
	"context"

	"github.com/latchkey/latchkey/authcore"
)

// SwapSetting implements authcore.SettingSwapper with one conditional
// statement: PostgreSQL re-checks the condition on the row a concurrent
// writer committed, so of two swaps from one value only one matches.
func (s *Store) SwapSetting(ctx context.Context, name string, old, value []byte) error {
	if name == "" {
		return errEmptyID
	}
	if value == nil {
		value = []byte{}
	}
	var n int64
	var err error
	if old == nil {
		n, err = s.exec(ctx, `INSERT INTO settings (name, value) VALUES ($1,$2) ON CONFLICT (name) DO NOTHING`, name, value)
	} else {
		n, err = s.exec(ctx, `UPDATE settings SET value = $3 WHERE name = $1 AND value = $2`, name, old, value)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return authcore.ErrConflict
	}
	return nil
}
