package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// sessionDocV1 is the doc column of sessions.
type sessionDocV1 struct {
	AuthTime         time.Time `json:"auth_time"`
	RemoteIP         string    `json:"ip,omitempty"`
	UserAgent        string    `json:"ua,omitempty"`
	IdentityProvider string    `json:"idp,omitempty"`
	ACR              string    `json:"acr,omitempty"`
	AMR              []string  `json:"amr,omitempty"`
}

const sessionCols = `id, user_id, doc, expires_at, created_at, last_seen_at, last_seen_ip`

func scanSession(row pgx.Row) (authcore.Session, error) {
	var ss authcore.Session
	var doc []byte
	var exp, seen *time.Time
	if err := row.Scan(&ss.ID, &ss.UserID, &doc, &exp, &ss.CreatedAt, &seen, &ss.LastSeenIP); err != nil {
		return ss, storeErr(err)
	}
	var d sessionDocV1
	if err := json.Unmarshal(doc, &d); err != nil {
		return ss, storeErr(err)
	}
	ss.ExpiresAt, ss.AuthTime, ss.RemoteIP, ss.UserAgent = tv(exp), d.AuthTime, d.RemoteIP, d.UserAgent
	ss.IdentityProvider, ss.ACR, ss.AMR = d.IdentityProvider, d.ACR, d.AMR
	ss.LastSeenAt = tv(seen)
	return ss, nil
}

// CreateSession stores a new session under the hash of its cookie; an
// existing ID is authcore.ErrAlreadyExists.
func (s *Store) CreateSession(ctx context.Context, ss authcore.Session) error {
	if ss.ID == "" || ss.UserID == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`, sessionArgs(ss)...)
	return err
}

func sessionArgs(ss authcore.Session) []any {
	doc := sessionDocV1{AuthTime: ss.AuthTime, RemoteIP: ss.RemoteIP, UserAgent: ss.UserAgent,
		IdentityProvider: ss.IdentityProvider, ACR: ss.ACR, AMR: ss.AMR}
	return []any{ss.ID, ss.UserID, jsonDoc(doc), ts(ss.ExpiresAt), ss.CreatedAt, ts(ss.LastSeenAt), ss.LastSeenIP}
}

// GetSession returns the session, or authcore.ErrNotFound when it is
// unknown or expired by the store's clock.
func (s *Store) GetSession(ctx context.Context, id string) (authcore.Session, error) {
	return scanSession(s.pool.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = $1 AND `+live(2), id, s.now()))
}

// ListSessions returns the user's live sessions, ordered by ID.
func (s *Store) ListSessions(ctx context.Context, userID string) ([]authcore.Session, error) {
	return list(ctx, s, `SELECT `+sessionCols+` FROM sessions WHERE user_id = $1 AND `+live(2)+` ORDER BY id`, []any{userID, s.now()}, scanSession)
}

// DeleteSession removes the session; an unknown one is
// authcore.ErrNotFound.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.deleteOne(ctx, `DELETE FROM sessions WHERE id = $1`, id)
}
