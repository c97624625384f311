package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// CreatePushedRequest stores r; an existing hash is
// authcore.ErrAlreadyExists.
func (s *Store) CreatePushedRequest(ctx context.Context, r authcore.PushedRequest) error {
	if r.Hash == "" || r.ClientID == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO pushed_requests (hash, client_id, params, expires_at, created_at) VALUES ($1,$2,$3,$4,$5)`, parArgs(r)...)
	return err
}

func parArgs(r authcore.PushedRequest) []any {
	params := r.Params
	if params == nil {
		params = map[string]string{}
	}
	return []any{r.Hash, r.ClientID, jsonDoc(params), ts(r.ExpiresAt), ts(r.CreatedAt)}
}

// GetPushedRequest returns the request, or authcore.ErrNotFound when it
// is unknown, deleted or expired at the store's clock.
func (s *Store) GetPushedRequest(ctx context.Context, hash string) (authcore.PushedRequest, error) {
	r, err := scanPAR(s.pool.QueryRow(ctx, `SELECT hash, client_id, params, expires_at, created_at FROM pushed_requests WHERE hash = $1 AND `+live(2),
		hash, s.now()))
	if err != nil {
		return authcore.PushedRequest{}, err
	}
	return r, nil
}

func scanPAR(row pgx.Row) (authcore.PushedRequest, error) {
	var r authcore.PushedRequest
	var exp, created *time.Time
	err := row.Scan(&r.Hash, &r.ClientID, &r.Params, &exp, &created)
	r.ExpiresAt, r.CreatedAt = tv(exp), tv(created)
	return r, storeErr(err)
}

// DeletePushedRequest removes the request; an unknown hash is not an
// error.
func (s *Store) DeletePushedRequest(ctx context.Context, hash string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM pushed_requests WHERE hash = $1`, hash)
		return err
	})
}
