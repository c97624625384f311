package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// CreateScope stores a new scope; an existing name is
// authcore.ErrAlreadyExists.
func (s *Store) CreateScope(ctx context.Context, sc authcore.Scope) error {
	if sc.Name == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO scopes (name, description, created_at) VALUES ($1,$2,$3)`, sc.Name, sc.Description, sc.CreatedAt)
	return err
}

func scanScope(row pgx.Row) (authcore.Scope, error) {
	var sc authcore.Scope
	return sc, storeErr(row.Scan(&sc.Name, &sc.Description, &sc.CreatedAt))
}

// GetScope returns the scope or authcore.ErrNotFound.
func (s *Store) GetScope(ctx context.Context, name string) (authcore.Scope, error) {
	return scanScope(s.pool.QueryRow(ctx, `SELECT name, description, created_at FROM scopes WHERE name = $1`, name))
}

// ListScopes returns every scope, ordered by name.
func (s *Store) ListScopes(ctx context.Context) ([]authcore.Scope, error) {
	return list(ctx, s, `SELECT name, description, created_at FROM scopes ORDER BY name`, nil, scanScope)
}

// DeleteScope removes the scope; an unknown one is authcore.ErrNotFound.
func (s *Store) DeleteScope(ctx context.Context, name string) error {
	return s.deleteOne(ctx, `DELETE FROM scopes WHERE name = $1`, name)
}

// GetSetting returns the named value or authcore.ErrNotFound.
func (s *Store) GetSetting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if err != nil {
		return nil, storeErr(err)
	}
	return s.openSetting(name, v) // settings_once.go
}

// PutSetting creates or replaces the named value.
func (s *Store) PutSetting(ctx context.Context, name string, value []byte) error {
	if name == "" {
		return errEmptyID
	}
	if value == nil {
		value = []byte{}
	}
	_, err := s.exec(ctx, `INSERT INTO settings (name, value) VALUES ($1,$2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`, name, s.sealSetting(name, value))
	return err
}
