package badger

import (
	"context"
	"encoding/json"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// grantV1 is the stored form of authcore.Grant under v1/grant/<id>.
type grantV1 struct {
	ID            string     `json:"id"`
	ClientID      string     `json:"client"`
	UserID        string     `json:"user,omitempty"`
	Scopes        []string   `json:"scopes,omitempty"`
	Audience      []string   `json:"aud,omitempty"`
	AuthTime      time.Time  `json:"auth_time"`
	CreatedAt     time.Time  `json:"created"`
	ExpiresAt     time.Time  `json:"exp"`
	AccessJTIs    []issuedV1 `json:"access_tokens,omitempty"`
	Revoked       bool       `json:"revoked,omitempty"`
	RevokedAt     time.Time  `json:"revoked_at"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
	SessionID     string     `json:"sid,omitempty"`
	ACR           string     `json:"acr,omitempty"`
	AMR           []string   `json:"amr,omitempty"`
	Claims        string     `json:"claims,omitempty"`
	Resources     []string   `json:"resources,omitempty"`
	Details       string     `json:"authorization_details,omitempty"`
}

// issuedV1 is the stored form of authcore.IssuedToken.
type issuedV1 struct {
	JTI       string    `json:"jti"`
	ExpiresAt time.Time `json:"exp"`
	Kid       string    `json:"kid,omitempty"`
}

func grantRecord(g authcore.Grant) grantV1 {
	r := grantV1{
		ID: g.ID, ClientID: g.ClientID, UserID: g.UserID, Scopes: g.Scopes, Audience: g.Audience,
		AuthTime: g.AuthTime, CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt,
		Revoked: g.Revoked, RevokedAt: g.RevokedAt, RevokedReason: g.RevokedReason,
		SessionID: g.SessionID, Claims: g.Claims, Resources: g.Resources, ACR: g.ACR, AMR: g.AMR,
		Details: g.AuthorizationDetails,
	}
	for _, t := range g.AccessJTIs {
		r.AccessJTIs = append(r.AccessJTIs, issuedV1(t))
	}
	return r
}

func (r grantV1) domain() authcore.Grant {
	g := authcore.Grant{
		ID: r.ID, ClientID: r.ClientID, UserID: r.UserID, Scopes: r.Scopes, Audience: r.Audience,
		AuthTime: r.AuthTime, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		Revoked: r.Revoked, RevokedAt: r.RevokedAt, RevokedReason: r.RevokedReason,
		SessionID: r.SessionID, Claims: r.Claims, Resources: r.Resources, ACR: r.ACR, AMR: r.AMR,
		AuthorizationDetails: r.Details,
	}
	for _, t := range r.AccessJTIs {
		g.AccessJTIs = append(g.AccessJTIs, authcore.IssuedToken(t))
	}
	return g
}

// CreateGrant stores a new grant and, if rt is non-nil, its first refresh
// token, in one transaction. An existing grant ID or token hash is
// authcore.ErrAlreadyExists. An empty rt.GrantID is set to g.ID.
func (s *Store) CreateGrant(ctx context.Context, g authcore.Grant, rt *authcore.RefreshToken) error {
	first, err := firstRT(g, rt)
	if err != nil {
		return err
	}
	return s.update(ctx, func(txn *bdg.Txn) error { return putNewGrant(txn, g, first) })
}

// firstRT checks g's ID and returns rt in g (nil when rt is).
func firstRT(g authcore.Grant, rt *authcore.RefreshToken) (*authcore.RefreshToken, error) {
	if g.ID == "" {
		return nil, errEmptyID
	}
	return authcore.FirstInGrant(g.ID, rt)
}

// putNewGrant stores the new grant g and, if first is non-nil, its first
// refresh token in txn; a taken grant ID or hash is
// authcore.ErrAlreadyExists.
func putNewGrant(txn *bdg.Txn, g authcore.Grant, first *authcore.RefreshToken) error {
	gk := key(kindGrant, g.ID)
	if ok, err := exists(txn, gk); err != nil || ok {
		return orExists(err)
	}
	if first != nil {
		if err := putNewRT(txn, *first); err != nil {
			return err
		}
	}
	r := grantRecord(g)
	for _, t := range r.AccessJTIs {
		if err := putAccess(txn, g.ID, t); err != nil {
			return err
		}
	}
	r.AccessJTIs = nil
	return put(txn, gk, r, g.ExpiresAt)
}

// GetGrant returns the grant id, revoked or not, or authcore.ErrNotFound
// if it is unknown or expired by the store's clock.
func (s *Store) GetGrant(ctx context.Context, id string) (authcore.Grant, error) {
	var r grantV1
	err := s.view(ctx, func(txn *bdg.Txn) error {
		if err := get(txn, key(kindGrant, id), &r); err != nil {
			return err
		}
		if expired(r.ExpiresAt, s.now()) {
			return authcore.ErrNotFound
		}
		keyed, err := accessOf(txn, id)
		r.AccessJTIs = append(r.AccessJTIs, keyed...)
		return err
	})
	if err != nil {
		return authcore.Grant{}, err
	}
	return r.domain(), nil
}

// ListGrants returns every unexpired grant, revoked ones included,
// ordered by ID.
func (s *Store) ListGrants(ctx context.Context) ([]authcore.Grant, error) {
	now := s.now()
	var out []authcore.Grant
	err := s.view(ctx, func(txn *bdg.Txn) error {
		access, err := accessByGrant(txn)
		if err != nil {
			return err
		}
		return scan(txn, prefix(kindGrant), func(_, v []byte) error {
			var r grantV1
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if !expired(r.ExpiresAt, now) {
				r.AccessJTIs = append(r.AccessJTIs, access[r.ID]...)
				out = append(out, r.domain())
			}
			return nil
		})
	})
	return out, err
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
	gk := key(kindGrant, grantID)
	var wasRevoked bool
	err := s.update(ctx, func(txn *bdg.Txn) error {
		var r grantV1
		if err := get(txn, gk, &r); err != nil {
			return err
		}
		if expired(r.ExpiresAt, now) {
			return authcore.ErrNotFound
		}
		wasRevoked = r.Revoked
		if r.Revoked {
			return revoke(txn, authcore.Revocation{JTI: t.JTI, ExpiresAt: t.ExpiresAt, RevokedAt: now})
		}
		// The grant is written again, its tokens moved to their keys: a
		// revocation reads it, so the two conflict (refresh.go).
		if err := putAccess(txn, grantID, issuedV1(t)); err != nil {
			return err
		}
		if err := r.moveAccess(txn, now); err != nil {
			return err
		}
		return put(txn, gk, r, r.ExpiresAt)
	})
	if err == nil && wasRevoked {
		return authcore.ErrNotFound
	}
	return err
}
