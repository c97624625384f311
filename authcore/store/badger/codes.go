package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// codeV1 is the stored form of authcore.AuthCode under v1/code/<hash>.
// A consumed code stays until it expires, so a replay is recognised and
// the caller can revoke the grant it created.
type codeV1 struct {
	Hash                 string    `json:"hash"`
	ClientID             string    `json:"client"`
	UserID               string    `json:"user"`
	RedirectURI          string    `json:"redirect_uri"`
	Scopes               []string  `json:"scopes,omitempty"`
	Audience             []string  `json:"aud,omitempty"`
	CodeChallenge        string    `json:"code_challenge,omitempty"`
	Nonce                string    `json:"nonce,omitempty"`
	AuthTime             time.Time `json:"auth_time"`
	ExpiresAt            time.Time `json:"exp"`
	CreatedAt            time.Time `json:"created"`
	Consumed             bool      `json:"consumed,omitempty"`
	GrantID              string    `json:"grant,omitempty"`
	SessionID            string    `json:"sid,omitempty"`
	ACR                  string    `json:"acr,omitempty"`
	AMR                  []string  `json:"amr,omitempty"`
	Claims               string    `json:"claims,omitempty"`
	DPoPJKT              string    `json:"dpop_jkt,omitempty"`
	Resources            []string  `json:"resources,omitempty"`
	AuthorizationDetails string    `json:"authorization_details,omitempty"`
}

func (r codeV1) domain() authcore.AuthCode { return authcore.AuthCode(r) }

// CreateAuthCode stores a new authorization code; an existing hash is
// authcore.ErrAlreadyExists.
func (s *Store) CreateAuthCode(ctx context.Context, c authcore.AuthCode) error {
	if c.Hash == "" {
		return errEmptyID
	}
	k := key(kindCode, c.Hash)
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, k); err != nil || ok {
			return orExists(err)
		}
		return put(txn, k, codeV1(c), c.ExpiresAt)
	})
}

// ConsumeAuthCode marks the code consumed by grantID and returns it. The
// read and the write of the code's key share one transaction, so of many
// concurrent callers exactly one commits; the others' transactions
// conflict, run again, find the code consumed and get the stored record
// with authcore.ErrConsumed. Unknown codes, and codes expired at now, are
// authcore.ErrNotFound.
func (s *Store) ConsumeAuthCode(ctx context.Context, hash, grantID string, now time.Time) (authcore.AuthCode, error) {
	var r codeV1
	known, _ := s.codes.take(hash)
	err := s.update(ctx, func(txn *bdg.Txn) error {
		return consumeCode(txn, hash, grantID, now, known, &r)
	})
	if err != nil && !errors.Is(err, authcore.ErrConsumed) {
		return authcore.AuthCode{}, err
	}
	return r.domain(), err
}

// consumeCode marks the code at hash consumed by grantID in txn and leaves
// the record in r: the stored one with authcore.ErrConsumed. known is
// what GetAuthCode decoded of it, reused if the stored bytes are the
// same (familyreads.go).
func consumeCode(txn *bdg.Txn, hash, grantID string, now time.Time, known codeRead, r *codeV1) error {
	k := key(kindCode, hash)
	*r = codeV1{}
	if err := getKnown(txn, k, r, known.raw, known.c, codeV1.clone); err != nil {
		return err
	}
	if expired(r.ExpiresAt, now) {
		return authcore.ErrNotFound
	}
	if r.Consumed {
		return authcore.ErrConsumed
	}
	r.Consumed, r.GrantID = true, grantID
	return put(txn, k, *r, r.ExpiresAt)
}

// GetAuthCode returns the code at hash, consumed or not; unknown codes,
// and codes expired at now, are authcore.ErrNotFound. What it decodes of
// an unconsumed code is kept for the redemption or burn that follows
// (familyreads.go).
func (s *Store) GetAuthCode(ctx context.Context, hash string, now time.Time) (authcore.AuthCode, error) {
	var r codeV1
	err := s.view(ctx, func(txn *bdg.Txn) error {
		raw, err := getRaw(txn, key(kindCode, hash), &r)
		if err != nil {
			return err
		}
		if expired(r.ExpiresAt, now) {
			return authcore.ErrNotFound
		}
		if !r.Consumed {
			s.codes.put(hash, codeRead{raw: raw, c: r.clone()})
		}
		return nil
	})
	if err != nil {
		return authcore.AuthCode{}, err
	}
	return r.domain(), nil
}

// RedeemAuthCode consumes the code for g.ID and stores g and rt, all in
// one transaction that reads and writes the code's key: of concurrent
// redeemers one commits, the others conflict, run again and find the
// code consumed (authcore.ErrConsumed with the stored record). An
// existing grant ID or token hash is authcore.ErrAlreadyExists, and
// leaves the code unconsumed.
func (s *Store) RedeemAuthCode(ctx context.Context, hash string, g authcore.Grant, rt *authcore.RefreshToken, now time.Time) (authcore.AuthCode, error) {
	first, err := firstRT(g, rt)
	if err != nil {
		return authcore.AuthCode{}, err
	}
	var r codeV1
	known, _ := s.codes.take(hash)
	err = s.update(ctx, func(txn *bdg.Txn) error {
		if err := consumeCode(txn, hash, g.ID, now, known, &r); err != nil {
			return err
		}
		return putNewGrant(txn, g, first)
	})
	if err != nil && !errors.Is(err, authcore.ErrConsumed) {
		return authcore.AuthCode{}, err
	}
	return r.domain(), err
}
