package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// cibaDocV1 is the doc column of backchannel_requests.
type cibaDocV1 struct {
	ClientID       string    `json:"client"`
	Scopes         []string  `json:"scopes,omitempty"`
	ACRValues      []string  `json:"acr_values,omitempty"`
	BindingMessage string    `json:"binding_message,omitempty"`
	PingSeed       string    `json:"ping_seed,omitempty"`
	SessionID      string    `json:"sid,omitempty"`
	AuthTime       time.Time `json:"auth_time"`
	ACR            string    `json:"acr,omitempty"`
	AMR            []string  `json:"amr,omitempty"`
	Interval       int64     `json:"interval_ns"`
	LastPoll       time.Time `json:"last_poll"`
	GrantID        string    `json:"grant,omitempty"`
}

const cibaCols = `hash, user_id, status, redeemed, doc, notification_token, expires_at, created_at`

func cibaAD(hash string) string { return "backchannel_requests/" + hash }

func (s *Store) cibaArgs(r authcore.BackchannelRequest) []any {
	doc := cibaDocV1{ClientID: r.ClientID, Scopes: r.Scopes, ACRValues: r.ACRValues, BindingMessage: r.BindingMessage, PingSeed: r.PingSeed,
		SessionID: r.SessionID, AuthTime: r.AuthTime, ACR: r.ACR, AMR: r.AMR, Interval: int64(r.Interval),
		LastPoll: r.LastPoll, GrantID: r.GrantID}
	var tok []byte
	if r.NotificationToken != "" {
		tok = s.aead.seal([]byte(r.NotificationToken), cibaAD(r.Hash))
	}
	return []any{r.Hash, r.UserID, string(r.Status), r.Redeemed, jsonDoc(doc), tok, ts(r.ExpiresAt), ts(r.CreatedAt)}
}

func (s *Store) scanCIBA(row pgx.Row) (authcore.BackchannelRequest, error) {
	var r authcore.BackchannelRequest
	var status string
	var doc, tok []byte
	var exp, created *time.Time
	if err := row.Scan(&r.Hash, &r.UserID, &status, &r.Redeemed, &doc, &tok, &exp, &created); err != nil {
		return r, storeErr(err)
	}
	var d cibaDocV1
	if err := json.Unmarshal(doc, &d); err != nil {
		return r, storeErr(err)
	}
	if tok != nil {
		plain, err := s.aead.open(tok, cibaAD(r.Hash))
		if err != nil {
			return r, err
		}
		r.NotificationToken = string(plain)
	}
	r.Status, r.ExpiresAt, r.CreatedAt = authcore.DeviceStatus(status), tv(exp), tv(created)
	r.ClientID, r.Scopes, r.ACRValues, r.BindingMessage, r.PingSeed = d.ClientID, d.Scopes, d.ACRValues, d.BindingMessage, d.PingSeed
	r.SessionID, r.AuthTime, r.ACR, r.AMR = d.SessionID, d.AuthTime, d.ACR, d.AMR
	r.Interval, r.LastPoll, r.GrantID = time.Duration(d.Interval), d.LastPoll, d.GrantID
	return r, nil
}

// CreateBackchannelRequest stores r; a taken hash is
// authcore.ErrAlreadyExists.
func (s *Store) CreateBackchannelRequest(ctx context.Context, r authcore.BackchannelRequest) error {
	if r.Hash == "" || r.UserID == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO backchannel_requests (`+cibaCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, s.cibaArgs(r)...)
	return err
}

// ListBackchannelRequests returns the user's live requests, oldest first.
func (s *Store) ListBackchannelRequests(ctx context.Context, userID string) ([]authcore.BackchannelRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+cibaCols+` FROM backchannel_requests WHERE user_id = $1 AND `+live(2)+
		` ORDER BY created_at, hash`, userID, s.now())
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	var out []authcore.BackchannelRequest
	for rows.Next() {
		r, err := s.scanCIBA(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, storeErr(rows.Err())
}

// UpdateBackchannelRequest applies fn to the live request at hash under
// its row lock, so of concurrent redeemers exactly one sees it
// unredeemed.
func (s *Store) UpdateBackchannelRequest(ctx context.Context, hash string, fn func(authcore.BackchannelRequest) (authcore.BackchannelRequest, error)) (authcore.BackchannelRequest, error) {
	now := s.now()
	var out authcore.BackchannelRequest
	err := s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := s.scanCIBA(tx.QueryRow(ctx, `SELECT `+cibaCols+` FROM backchannel_requests WHERE hash = $1 AND `+live(2)+` FOR UPDATE`, hash, now))
		if err != nil {
			return err
		}
		out = cur
		next, err := fn(cur)
		if err != nil {
			return callerErr{err}
		}
		if next.Hash != cur.Hash || next.UserID != cur.UserID || !next.ExpiresAt.Equal(cur.ExpiresAt) {
			return errIDChanged
		}
		out = next
		_, err = tx.Exec(ctx, `UPDATE backchannel_requests SET (`+cibaCols+`) = ($1,$2,$3,$4,$5,$6,$7,$8) WHERE hash = $1`, s.cibaArgs(next)...)
		return err
	})
	return out, err
}
