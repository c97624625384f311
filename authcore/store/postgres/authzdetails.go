package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

const detailTypeCols = `type, description, schema, consent_template, created_at, updated_at`

func scanDetailType(row pgx.Row) (authcore.AuthorizationDetailType, error) {
	var t authcore.AuthorizationDetailType
	return t, storeErr(row.Scan(&t.Type, &t.Description, &t.Schema, &t.ConsentTemplate, &t.CreatedAt, &t.UpdatedAt))
}

func detailTypeArgs(t authcore.AuthorizationDetailType) []any {
	return []any{t.Type, t.Description, t.Schema, t.ConsentTemplate, t.CreatedAt, t.UpdatedAt}
}

// CreateAuthorizationDetailType stores a new type; an existing name is
// authcore.ErrAlreadyExists.
func (s *Store) CreateAuthorizationDetailType(ctx context.Context, t authcore.AuthorizationDetailType) error {
	if t.Type == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO authz_detail_types (`+detailTypeCols+`) VALUES ($1,$2,$3,$4,$5,$6)`, detailTypeArgs(t)...)
	return err
}

// GetAuthorizationDetailType returns the type, or authcore.ErrNotFound.
func (s *Store) GetAuthorizationDetailType(ctx context.Context, name string) (authcore.AuthorizationDetailType, error) {
	return scanDetailType(s.pool.QueryRow(ctx, `SELECT `+detailTypeCols+` FROM authz_detail_types WHERE type = $1`, name))
}

// ListAuthorizationDetailTypes returns every type, ordered by name.
func (s *Store) ListAuthorizationDetailTypes(ctx context.Context) ([]authcore.AuthorizationDetailType, error) {
	return list(ctx, s, `SELECT `+detailTypeCols+` FROM authz_detail_types ORDER BY type`, nil, scanDetailType)
}

// UpdateAuthorizationDetailType applies fn under the type's row lock;
// the name cannot change.
func (s *Store) UpdateAuthorizationDetailType(ctx context.Context, name string,
	fn func(authcore.AuthorizationDetailType) (authcore.AuthorizationDetailType, error)) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := scanDetailType(tx.QueryRow(ctx, `SELECT `+detailTypeCols+` FROM authz_detail_types WHERE type = $1 FOR UPDATE`, name))
		if err != nil {
			return err
		}
		t, err := fn(cur)
		if err != nil {
			return callerErr{err}
		}
		if t.Type != name {
			return errIDChanged
		}
		_, err = tx.Exec(ctx, `UPDATE authz_detail_types SET (`+detailTypeCols+`) = ($1,$2,$3,$4,$5,$6) WHERE type = $1`, detailTypeArgs(t)...)
		return err
	})
}

// DeleteAuthorizationDetailType removes the type, or returns
// authcore.ErrNotFound.
func (s *Store) DeleteAuthorizationDetailType(ctx context.Context, name string) error {
	return s.deleteOne(ctx, `DELETE FROM authz_detail_types WHERE type = $1`, name)
}
