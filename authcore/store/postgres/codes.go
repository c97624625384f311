package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// codeDocV1 is the doc column of auth_codes: what the code was issued
// for. Its hash, state and times are columns.
type codeDocV1 struct {
	ClientID      string    `json:"client"`
	UserID        string    `json:"user"`
	RedirectURI   string    `json:"redirect_uri"`
	Scopes        []string  `json:"scopes,omitempty"`
	Audience      []string  `json:"aud,omitempty"`
	CodeChallenge string    `json:"code_challenge,omitempty"`
	Nonce         string    `json:"nonce,omitempty"`
	AuthTime      time.Time `json:"auth_time"`
	SessionID     string    `json:"sid,omitempty"`
	ACR           string    `json:"acr,omitempty"`
	AMR           []string  `json:"amr,omitempty"`
	Claims        string    `json:"claims,omitempty"`
	DPoPJKT       string    `json:"dpop_jkt,omitempty"`
	Resources     []string  `json:"resources,omitempty"`
	Details       string    `json:"authorization_details,omitempty"`
}

const codeCols = `hash, doc, consumed, grant_id, expires_at, created_at`

func scanCode(row pgx.Row) (authcore.AuthCode, error) {
	var c authcore.AuthCode
	var doc []byte
	var grant *string
	var exp *time.Time
	if err := row.Scan(&c.Hash, &doc, &c.Consumed, &grant, &exp, &c.CreatedAt); err != nil {
		return c, storeErr(err)
	}
	var d codeDocV1
	if err := json.Unmarshal(doc, &d); err != nil {
		return c, storeErr(err)
	}
	if grant != nil {
		c.GrantID = *grant
	}
	c.ExpiresAt = tv(exp)
	c.ClientID, c.UserID, c.RedirectURI, c.Scopes, c.Audience = d.ClientID, d.UserID, d.RedirectURI, d.Scopes, d.Audience
	c.CodeChallenge, c.Nonce, c.AuthTime, c.SessionID = d.CodeChallenge, d.Nonce, d.AuthTime, d.SessionID
	c.ACR, c.Claims, c.DPoPJKT, c.Resources = d.ACR, d.Claims, d.DPoPJKT, d.Resources
	c.AMR, c.AuthorizationDetails = d.AMR, d.Details
	return c, nil
}

// CreateAuthCode stores a new authorization code under its hash; an
// existing hash is authcore.ErrAlreadyExists. A code is stored
// unconsumed whatever c.Consumed says.
func (s *Store) CreateAuthCode(ctx context.Context, c authcore.AuthCode) error {
	if c.Hash == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO auth_codes (hash, doc, expires_at, created_at) VALUES ($1,$2,$3,$4)`, codeArgs(c)...)
	return err
}

// codeArgs are a code's hash, doc, expires_at and created_at.
func codeArgs(c authcore.AuthCode) []any {
	doc := codeDocV1{ClientID: c.ClientID, UserID: c.UserID, RedirectURI: c.RedirectURI, Scopes: c.Scopes,
		Audience: c.Audience, CodeChallenge: c.CodeChallenge, Nonce: c.Nonce, AuthTime: c.AuthTime,
		SessionID: c.SessionID, ACR: c.ACR, AMR: c.AMR, Claims: c.Claims, DPoPJKT: c.DPoPJKT, Resources: c.Resources,
		Details: c.AuthorizationDetails}
	return []any{c.Hash, jsonDoc(doc), ts(c.ExpiresAt), c.CreatedAt}
}

// ConsumeAuthCode marks the code consumed by grantID and returns it. It
// is one conditional UPDATE ... RETURNING: of concurrent callers the
// first takes the row lock and commits; the others wait on it, find the
// row consumed when PostgreSQL re-checks the condition, update nothing,
// and read the winner's record with authcore.ErrConsumed. Unknown codes,
// and codes expired at now, are authcore.ErrNotFound.
func (s *Store) ConsumeAuthCode(ctx context.Context, hash, grantID string, now time.Time) (authcore.AuthCode, error) {
	var out authcore.AuthCode
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = consumeCode(ctx, tx, hash, grantID, now)
		return err
	})
	return consumeResult(out, err)
}

// consumeResult is what a consuming method returns: the record with nil or
// authcore.ErrConsumed, nothing with any other error.
func consumeResult(c authcore.AuthCode, err error) (authcore.AuthCode, error) {
	if err == nil || err == authcore.ErrConsumed {
		return c, err
	}
	return authcore.AuthCode{}, err
}

// consumeCode marks the code consumed by grantID in tx and returns it,
// or the stored record with authcore.ErrConsumed.
func consumeCode(ctx context.Context, tx pgx.Tx, hash, grantID string, now time.Time) (authcore.AuthCode, error) {
	out, err := scanCode(tx.QueryRow(ctx, `UPDATE auth_codes SET consumed = true, grant_id = $2
		WHERE hash = $1 AND NOT consumed AND `+live(3)+` RETURNING `+codeCols, hash, grantID, now))
	if err != authcore.ErrNotFound {
		return out, err
	}
	out, err = scanCode(tx.QueryRow(ctx, `SELECT `+codeCols+` FROM auth_codes WHERE hash = $1 AND `+live(2), hash, now))
	switch {
	case err != nil:
		return out, err
	case out.Consumed:
		return out, authcore.ErrConsumed
	}
	// Unconsumed and live, yet the UPDATE matched nothing: it ran
	// before a concurrent insert of the same hash committed. Rerun.
	return out, authcore.ErrConflict
}

// GetAuthCode returns the code at hash, consumed or not; unknown codes,
// and codes expired at now, are authcore.ErrNotFound.
func (s *Store) GetAuthCode(ctx context.Context, hash string, now time.Time) (authcore.AuthCode, error) {
	return scanCode(s.pool.QueryRow(ctx, `SELECT `+codeCols+` FROM auth_codes WHERE hash = $1 AND `+live(2), hash, now))
}

// RedeemAuthCode consumes the code for g.ID and inserts g and rt in one
// transaction. The code's conditional UPDATE comes first: concurrent
// redeemers queue on its row lock, and the losers find it consumed and
// insert nothing. A taken grant ID or hash rolls the consumption back
// with authcore.ErrAlreadyExists.
func (s *Store) RedeemAuthCode(ctx context.Context, hash string, g authcore.Grant, rt *authcore.RefreshToken, now time.Time) (authcore.AuthCode, error) {
	first, err := firstRT(g, rt)
	if err != nil {
		return authcore.AuthCode{}, err
	}
	var out authcore.AuthCode
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if out, err = consumeCode(ctx, tx, hash, g.ID, now); err != nil {
			return err
		}
		return insertGrant(ctx, tx, g, first)
	})
	return consumeResult(out, err)
}
