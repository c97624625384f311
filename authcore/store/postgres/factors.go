package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// factorDocV1 is the doc column of factors; the secret is a sealed
// column of its own.
type factorDocV1 struct {
	Name      string `json:"name,omitempty"`
	Confirmed bool   `json:"confirmed,omitempty"`
	Data      []byte `json:"data,omitempty"`
}

const factorCols = `user_id, id, kind, doc, secret, counter, created_at, last_used_at`

// factorAD binds a factor's sealed secret to its row.
func factorAD(userID, id string) string { return "factors/" + userID + "/" + id }

func (s *Store) factorArgs(f authcore.Factor) []any {
	var secret []byte
	if len(f.Secret) > 0 {
		secret = s.aead.seal(f.Secret, factorAD(f.UserID, f.ID))
	}
	doc := factorDocV1{Name: f.Name, Confirmed: f.Confirmed, Data: f.Data}
	return []any{f.UserID, f.ID, string(f.Kind), jsonDoc(doc), secret, f.Counter, ts(f.CreatedAt), ts(f.LastUsedAt)}
}

func (s *Store) scanFactor(row pgx.Row) (authcore.Factor, error) {
	var f authcore.Factor
	var kind string
	var doc, secret []byte
	var created, used *time.Time
	if err := row.Scan(&f.UserID, &f.ID, &kind, &doc, &secret, &f.Counter, &created, &used); err != nil {
		return f, storeErr(err)
	}
	var d factorDocV1
	if err := json.Unmarshal(doc, &d); err != nil {
		return f, storeErr(err)
	}
	if secret != nil {
		plain, err := s.aead.open(secret, factorAD(f.UserID, f.ID))
		if err != nil {
			return f, err
		}
		f.Secret = plain
	}
	f.Kind, f.Name, f.Confirmed, f.Data = authcore.FactorKind(kind), d.Name, d.Confirmed, d.Data
	f.CreatedAt, f.LastUsedAt = tv(created), tv(used)
	return f, nil
}

// CreateFactor stores a new factor; an existing (user, ID) is
// authcore.ErrAlreadyExists, an unknown user authcore.ErrNotFound (the
// foreign key decides).
func (s *Store) CreateFactor(ctx context.Context, f authcore.Factor) error {
	if f.ID == "" || f.UserID == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO factors (`+factorCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, s.factorArgs(f)...)
	return err
}

// GetFactor returns the user's factor id, or authcore.ErrNotFound.
func (s *Store) GetFactor(ctx context.Context, userID, id string) (authcore.Factor, error) {
	return s.scanFactor(s.pool.QueryRow(ctx, `SELECT `+factorCols+` FROM factors WHERE user_id = $1 AND id = $2`, userID, id))
}

// ListFactors returns the user's factors, ordered by ID.
func (s *Store) ListFactors(ctx context.Context, userID string) ([]authcore.Factor, error) {
	return list(ctx, s, `SELECT `+factorCols+` FROM factors WHERE user_id = $1 ORDER BY id`, []any{userID}, s.scanFactor)
}

// UpdateFactor applies fn under the factor's row lock.
func (s *Store) UpdateFactor(ctx context.Context, userID, id string, fn func(authcore.Factor) (authcore.Factor, error)) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := s.scanFactor(tx.QueryRow(ctx, `SELECT `+factorCols+` FROM factors WHERE user_id = $1 AND id = $2 FOR UPDATE`, userID, id))
		if err != nil {
			return err
		}
		f, err := fn(cur)
		if err != nil {
			return callerErr{err}
		}
		if f.ID != id || f.UserID != userID {
			return errIDChanged
		}
		_, err = tx.Exec(ctx, `UPDATE factors SET (`+factorCols+`) = ($1,$2,$3,$4,$5,$6,$7,$8) WHERE user_id = $1 AND id = $2`, s.factorArgs(f)...)
		return err
	})
}

// DeleteFactor removes the factor, or returns authcore.ErrNotFound.
func (s *Store) DeleteFactor(ctx context.Context, userID, id string) error {
	return s.deleteOne(ctx, `DELETE FROM factors WHERE user_id = $1 AND id = $2`, userID, id)
}
