package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// grantDocV1 is the doc column of grants: what was authorized. Its
// access tokens are rows of grant_tokens.
type grantDocV1 struct {
	Scopes    []string  `json:"scopes,omitempty"`
	Audience  []string  `json:"aud,omitempty"`
	AuthTime  time.Time `json:"auth_time"`
	SessionID string    `json:"sid,omitempty"`
	ACR       string    `json:"acr,omitempty"`
	AMR       []string  `json:"amr,omitempty"`
	Claims    string    `json:"claims,omitempty"`
	Resources []string  `json:"resources,omitempty"`
	Details   string    `json:"authorization_details,omitempty"`
}

const grantCols = `id, client_id, user_id, doc, revoked, revoked_at, revoked_reason, expires_at, created_at`

// scanGrant reads a grants row; its access tokens are loaded separately.
func scanGrant(row pgx.Row) (authcore.Grant, error) { return scanGrantWith(row) }

// scanGrantWith reads a grants row into a grant, and the columns after
// grantCols into more.
func scanGrantWith(row pgx.Row, more ...any) (authcore.Grant, error) {
	var g authcore.Grant
	var doc []byte
	var revokedAt, exp *time.Time
	dest := append([]any{&g.ID, &g.ClientID, &g.UserID, &doc, &g.Revoked, &revokedAt, &g.RevokedReason, &exp, &g.CreatedAt}, more...)
	if err := row.Scan(dest...); err != nil {
		return g, storeErr(err)
	}
	g.RevokedAt, g.ExpiresAt = tv(revokedAt), tv(exp)
	return g, storeErr(setGrantDoc(&g, doc))
}

// setGrantDoc sets the fields of g kept in its doc column.
func setGrantDoc(g *authcore.Grant, doc []byte) error {
	var d grantDocV1
	if err := json.Unmarshal(doc, &d); err != nil {
		return err
	}
	g.Scopes, g.Audience, g.AuthTime, g.SessionID, g.Claims, g.Resources = d.Scopes, d.Audience, d.AuthTime, d.SessionID, d.Claims, d.Resources
	g.ACR, g.AMR, g.AuthorizationDetails = d.ACR, d.AMR, d.Details
	return nil
}

// querier is what a pool and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// accessTokensSQL selects the access tokens of grant $1 in issue order.
const accessTokensSQL = `SELECT jti, expires_at, kid FROM grant_tokens WHERE grant_id = $1 ORDER BY seq`

// accessTokens returns the access tokens of a grant in issue order.
func accessTokens(ctx context.Context, q querier, grantID string) ([]authcore.IssuedToken, error) {
	return collectAccess(q.Query(ctx, accessTokensSQL, grantID))
}

// collectAccess reads the rows of accessTokensSQL.
func collectAccess(rows pgx.Rows, err error) ([]authcore.IssuedToken, error) {
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	var out []authcore.IssuedToken
	for rows.Next() {
		var t authcore.IssuedToken
		var exp *time.Time
		if err := rows.Scan(&t.JTI, &exp, &t.Kid); err != nil {
			return nil, storeErr(err)
		}
		t.ExpiresAt = tv(exp)
		out = append(out, t)
	}
	return out, storeErr(rows.Err())
}

// CreateGrant stores a new grant with its access tokens and, if rt is
// non-nil, its first refresh token, in one transaction. An existing
// grant ID or token hash is authcore.ErrAlreadyExists.
func (s *Store) CreateGrant(ctx context.Context, g authcore.Grant, rt *authcore.RefreshToken) error {
	first, err := firstRT(g, rt)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx) error { return insertGrant(ctx, tx, g, first) })
}

// firstRT checks g's ID and returns rt in g (nil when rt is).
func firstRT(g authcore.Grant, rt *authcore.RefreshToken) (*authcore.RefreshToken, error) {
	if g.ID == "" {
		return nil, errEmptyID
	}
	return authcore.FirstInGrant(g.ID, rt)
}

// insertGrant inserts the new grant g, its access tokens and, if first is
// non-nil, its first refresh token in tx.
func insertGrant(ctx context.Context, tx pgx.Tx, g authcore.Grant, first *authcore.RefreshToken) error {
	_, err := tx.Exec(ctx, `INSERT INTO grants (`+grantCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, grantArgs(g)...)
	if err != nil {
		return err
	}
	for _, t := range g.AccessJTIs {
		if err := addToken(ctx, tx, g.ID, t); err != nil {
			return err
		}
	}
	if first != nil {
		return insertRT(ctx, tx, *first)
	}
	return nil
}

func grantArgs(g authcore.Grant) []any {
	doc := grantDocV1{Scopes: g.Scopes, Audience: g.Audience, AuthTime: g.AuthTime,
		SessionID: g.SessionID, ACR: g.ACR, AMR: g.AMR, Claims: g.Claims, Resources: g.Resources,
		Details: g.AuthorizationDetails}
	return []any{g.ID, g.ClientID, g.UserID, jsonDoc(doc), g.Revoked, ts(g.RevokedAt), g.RevokedReason, ts(g.ExpiresAt), g.CreatedAt}
}

func addToken(ctx context.Context, tx pgx.Tx, grantID string, t authcore.IssuedToken) error {
	_, err := tx.Exec(ctx, `INSERT INTO grant_tokens (grant_id, jti, expires_at, kid) VALUES ($1,$2,$3,$4)`,
		grantID, t.JTI, ts(t.ExpiresAt), t.Kid)
	return err
}

// GetGrant returns the grant id, revoked or not, or authcore.ErrNotFound
// if it is unknown or expired by the store's clock. The grant and its
// access tokens are read by one statement (getGrantSQL): one statement
// costs both sides less than the two of a pipelined batch did.
func (s *Store) GetGrant(ctx context.Context, id string) (authcore.Grant, error) {
	return scanGrantTokens(s.pool.QueryRow(ctx, getGrantSQL, id, s.now()))
}

// scanGrantTokens reads a row of getGrantSQL: a grant and its access
// tokens.
func scanGrantTokens(row pgx.Row) (authcore.Grant, error) {
	var jtis, kids []string
	var exps []*time.Time
	g, err := scanGrantWith(row, &jtis, &exps, &kids)
	if err != nil {
		return g, err
	}
	if len(exps) != len(jtis) || len(kids) != len(jtis) {
		return g, errors.New("postgres: grant tokens: columns of unequal length")
	}
	for i, jti := range jtis {
		g.AccessJTIs = append(g.AccessJTIs, authcore.IssuedToken{JTI: jti, ExpiresAt: tv(exps[i]), Kid: kids[i]})
	}
	return g, nil
}

// grantTokensSQL selects grants with their access tokens as three
// arrays in issue order (NULL when a grant has none), for
// scanGrantTokens; a WHERE clause follows.
const grantTokensSQL = `SELECT ` + grantCols + `, t.jtis, t.exps, t.kids FROM grants
	LEFT JOIN LATERAL (SELECT array_agg(jti ORDER BY seq) AS jtis, array_agg(expires_at ORDER BY seq) AS exps,
		array_agg(kid ORDER BY seq) AS kids FROM grant_tokens WHERE grant_id = grants.id) t ON true `

// getGrantSQL selects grant $1, unexpired at $2, with its access tokens.
const getGrantSQL = grantTokensSQL + `WHERE id = $1 AND (grants.expires_at IS NULL OR grants.expires_at > $2)`

// ListGrants returns every unexpired grant, revoked ones included,
// ordered by ID.
func (s *Store) ListGrants(ctx context.Context) ([]authcore.Grant, error) {
	grants, err := list(ctx, s, `SELECT `+grantCols+` FROM grants WHERE `+live(1)+` ORDER BY id`, []any{s.now()}, scanGrant)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT t.grant_id, t.jti, t.expires_at, t.kid FROM grant_tokens t
		JOIN grants g ON g.id = t.grant_id WHERE (g.expires_at IS NULL OR g.expires_at > $1) ORDER BY t.seq`, s.now())
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	byID := make(map[string]*authcore.Grant, len(grants))
	for i := range grants {
		byID[grants[i].ID] = &grants[i]
	}
	for rows.Next() {
		var gid string
		var t authcore.IssuedToken
		var exp *time.Time
		if err := rows.Scan(&gid, &t.JTI, &exp, &t.Kid); err != nil {
			return nil, storeErr(err)
		}
		t.ExpiresAt = tv(exp)
		if g := byID[gid]; g != nil {
			g.AccessJTIs = append(g.AccessJTIs, t)
		}
	}
	return grants, storeErr(rows.Err())
}

// lockGrant reads the grant id under a share lock: rotations of one
// family run side by side, a revocation (FOR UPDATE) waits for them and
// they for it. Unknown grants are authcore.ErrNotFound.
func lockGrant(ctx context.Context, tx pgx.Tx, id, mode string) (authcore.Grant, error) {
	return scanGrant(tx.QueryRow(ctx, `SELECT `+grantCols+` FROM grants WHERE id = $1 FOR `+mode, id))
}

// addAccess records t on the grant and drops its tokens that expired
// before now: revoking an expired token achieves nothing.
func addAccess(ctx context.Context, tx pgx.Tx, grantID string, t authcore.IssuedToken, now time.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM grant_tokens WHERE grant_id = $1 AND expires_at <= $2`, grantID, now); err != nil {
		return err
	}
	return addToken(ctx, tx, grantID, t)
}

// AddAccessToken records an access token issued under grant id. An
// unknown or expired grant is authcore.ErrNotFound. So is a revoked one,
// and then t is revoked too: a token minted while its grant was being
// revoked must not outlive the revocation.
func (s *Store) AddAccessToken(ctx context.Context, grantID string, t authcore.IssuedToken) error {
	if t.JTI == "" {
		return errEmptyJTI
	}
	now := s.now()
	var wasRevoked bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		g, err := lockGrant(ctx, tx, grantID, "SHARE")
		if err != nil {
			return err
		}
		if expired(g.ExpiresAt, now) {
			return authcore.ErrNotFound
		}
		wasRevoked = g.Revoked
		if g.Revoked {
			return revoke(ctx, tx, authcore.Revocation{JTI: t.JTI, ExpiresAt: t.ExpiresAt, RevokedAt: now})
		}
		return addAccess(ctx, tx, grantID, t, now)
	})
	if err == nil && wasRevoked {
		return authcore.ErrNotFound
	}
	return err
}

// RevokeGrant marks the grant revoked, deletes every refresh token of its
// family and revokes every unexpired access token issued under it, in one
// transaction holding the grant's row lock, so no rotation can add a
// successor behind it. Revoking again sweeps again but keeps the first
// RevokedAt and reason. An unknown grant is authcore.ErrNotFound.
func (s *Store) RevokeGrant(ctx context.Context, id, reason string, now time.Time) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		g, err := lockGrant(ctx, tx, id, "UPDATE")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM refresh_tokens WHERE grant_id = $1`, id); err != nil {
			return err
		}
		tokens, err := accessTokens(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			if expired(t.ExpiresAt, now) {
				continue
			}
			if err := revoke(ctx, tx, authcore.Revocation{JTI: t.JTI, ExpiresAt: t.ExpiresAt, RevokedAt: now}); err != nil {
				return err
			}
		}
		if g.Revoked {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE grants SET revoked = true, revoked_at = $2, revoked_reason = $3 WHERE id = $1`, id, now, reason)
		return err
	})
}
