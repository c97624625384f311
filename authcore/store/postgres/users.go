package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// userDocV1 is the doc column of users.
type userDocV1 struct {
	Email        string      `json:"email,omitempty"`
	DisplayName  string      `json:"display_name,omitempty"`
	PasswordHash string      `json:"password_hash,omitempty"` // argon2id PHC string
	Disabled     bool        `json:"disabled,omitempty"`
	Admin        bool        `json:"admin,omitempty"`
	RequireMFA   bool        `json:"require_mfa,omitempty"`
	FailedLogins []time.Time `json:"failed_logins,omitempty"`
	LockedUntil  time.Time   `json:"locked_until"`
}

var errEmptyUsername = errors.New("postgres: user has an empty username")

const userCols = `id, username, doc, created_at, updated_at`

func userArgs(u authcore.User) []any {
	doc := userDocV1{Email: u.Email, DisplayName: u.DisplayName, PasswordHash: u.PasswordHash,
		Disabled: u.Disabled, Admin: u.Admin, RequireMFA: u.RequireMFA, FailedLogins: u.FailedLogins, LockedUntil: u.LockedUntil}
	return []any{u.ID, u.Username, jsonDoc(doc), u.CreatedAt, u.UpdatedAt}
}

func scanUser(row pgx.Row) (authcore.User, error) {
	var u authcore.User
	var doc []byte
	if err := row.Scan(&u.ID, &u.Username, &doc, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return u, storeErr(err)
	}
	var d userDocV1
	if err := json.Unmarshal(doc, &d); err != nil {
		return u, storeErr(err)
	}
	u.Email, u.DisplayName, u.PasswordHash = d.Email, d.DisplayName, d.PasswordHash
	u.Disabled, u.Admin, u.FailedLogins, u.LockedUntil = d.Disabled, d.Admin, d.FailedLogins, d.LockedUntil
	u.RequireMFA = d.RequireMFA
	return u, nil
}

func validUser(u authcore.User) error {
	switch {
	case u.ID == "":
		return errEmptyID
	case u.Username == "":
		return errEmptyUsername
	}
	return nil
}

// CreateUser stores a new user; a taken ID or username is
// authcore.ErrAlreadyExists (the unique constraints decide).
func (s *Store) CreateUser(ctx context.Context, u authcore.User) error {
	if err := validUser(u); err != nil {
		return err
	}
	_, err := s.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES ($1,$2,$3,$4,$5)`, userArgs(u)...)
	return err
}

// GetUser returns the user id or authcore.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (authcore.User, error) {
	return scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
}

// GetUserByUsername returns the user with that username or
// authcore.ErrNotFound.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (authcore.User, error) {
	return scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = $1`, username))
}

// ListUsers returns every user, ordered by ID.
func (s *Store) ListUsers(ctx context.Context) ([]authcore.User, error) {
	return list(ctx, s, `SELECT `+userCols+` FROM users ORDER BY id`, nil, scanUser)
}

// UpdateUser applies fn to the user, locked for the transaction; a new
// username taken by another user is authcore.ErrAlreadyExists.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(authcore.User) (authcore.User, error)) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		u, err := fn(cur)
		if err != nil {
			return callerErr{err}
		}
		if u.ID != id {
			return errIDChanged
		}
		if err := validUser(u); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE users SET (`+userCols+`) = ($1,$2,$3,$4,$5) WHERE id = $1`, userArgs(u)...)
		return err
	})
}

// DeleteUser removes the user with its consents and sessions (and, by
// foreign key, its federated links) in one transaction.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := affected(tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM consents WHERE user_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
		return err
	})
}

// GetConsent returns the consent of userID to clientID or
// authcore.ErrNotFound.
func (s *Store) GetConsent(ctx context.Context, userID, clientID string) (authcore.Consent, error) {
	return scanConsent(s.pool.QueryRow(ctx, `SELECT user_id, client_id, scopes, created_at FROM consents WHERE user_id = $1 AND client_id = $2`, userID, clientID))
}

func scanConsent(row pgx.Row) (authcore.Consent, error) {
	var c authcore.Consent
	err := row.Scan(&c.UserID, &c.ClientID, &c.Scopes, &c.CreatedAt)
	return c, storeErr(err)
}

// SaveConsent creates or replaces the consent of c.UserID to c.ClientID.
func (s *Store) SaveConsent(ctx context.Context, c authcore.Consent) error {
	if c.UserID == "" || c.ClientID == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO consents (user_id, client_id, scopes, created_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = EXCLUDED.scopes, created_at = EXCLUDED.created_at`,
		c.UserID, c.ClientID, strs(c.Scopes), c.CreatedAt)
	return err
}

// DeleteConsent removes a consent; an unknown one is authcore.ErrNotFound.
func (s *Store) DeleteConsent(ctx context.Context, userID, clientID string) error {
	return s.deleteOne(ctx, `DELETE FROM consents WHERE user_id = $1 AND client_id = $2`, userID, clientID)
}

// ListConsents returns the consents of a user, ordered by client.
func (s *Store) ListConsents(ctx context.Context, userID string) ([]authcore.Consent, error) {
	return list(ctx, s, `SELECT user_id, client_id, scopes, created_at FROM consents WHERE user_id = $1 ORDER BY client_id`, []any{userID}, scanConsent)
}
