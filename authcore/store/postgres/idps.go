package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// idpDocV1 is the doc column of identity_providers; the client secret
// is a sealed column of its own.
type idpDocV1 struct {
	DisplayName  string                `json:"name,omitempty"`
	ClientID     string                `json:"client_id,omitempty"`
	Audiences    []string              `json:"aud,omitempty"`
	Algorithms   []string              `json:"algs,omitempty"`
	Claims       authcore.ClaimMapping `json:"claims"`
	Scopes       []string              `json:"scopes,omitempty"`
	Resources    []string              `json:"resources,omitempty"`
	Provisioning string                `json:"provisioning,omitempty"`
	Enabled      bool                  `json:"enabled,omitempty"`
	TrustAuth    bool                  `json:"trust_auth_context,omitempty"`
}

var errEmptyIssuer = errors.New("postgres: identity provider has an empty issuer")

const idpCols = `id, issuer, doc, client_secret, created_at, updated_at`

func (s *Store) idpArgs(p authcore.IdentityProvider) []any {
	doc := idpDocV1{DisplayName: p.DisplayName, ClientID: p.ClientID, Audiences: p.Audiences,
		Algorithms: p.Algorithms, Claims: p.Claims, Scopes: p.Scopes, Resources: p.Resources,
		Provisioning: p.Provisioning, Enabled: p.Enabled, TrustAuth: p.TrustAuthContext}
	var secret []byte
	if p.ClientSecret != "" {
		secret = s.aead.seal([]byte(p.ClientSecret), "identity_providers/"+p.ID)
	}
	return []any{p.ID, p.Issuer, jsonDoc(doc), secret, ts(p.CreatedAt), ts(p.UpdatedAt)}
}

func (s *Store) scanIDP(row pgx.Row) (authcore.IdentityProvider, error) {
	var p authcore.IdentityProvider
	var doc, secret []byte
	var created, updated *time.Time
	if err := row.Scan(&p.ID, &p.Issuer, &doc, &secret, &created, &updated); err != nil {
		return p, storeErr(err)
	}
	var d idpDocV1
	if err := json.Unmarshal(doc, &d); err != nil {
		return p, storeErr(err)
	}
	if secret != nil {
		plain, err := s.aead.open(secret, "identity_providers/"+p.ID)
		if err != nil {
			return p, err
		}
		p.ClientSecret = string(plain)
	}
	p.CreatedAt, p.UpdatedAt = tv(created), tv(updated)
	p.DisplayName, p.ClientID, p.Audiences, p.Algorithms = d.DisplayName, d.ClientID, d.Audiences, d.Algorithms
	p.Claims, p.Scopes, p.Resources, p.Provisioning, p.Enabled = d.Claims, d.Scopes, d.Resources, d.Provisioning, d.Enabled
	p.TrustAuthContext = d.TrustAuth
	return p, nil
}

// CreateIdentityProvider stores a new provider; an existing ID or issuer
// is authcore.ErrAlreadyExists.
func (s *Store) CreateIdentityProvider(ctx context.Context, p authcore.IdentityProvider) error {
	switch {
	case p.ID == "":
		return errEmptyID
	case p.Issuer == "":
		return errEmptyIssuer
	}
	_, err := s.exec(ctx, `INSERT INTO identity_providers (`+idpCols+`) VALUES ($1,$2,$3,$4,$5,$6)`, s.idpArgs(p)...)
	return err
}

// GetIdentityProvider returns the provider or authcore.ErrNotFound.
func (s *Store) GetIdentityProvider(ctx context.Context, id string) (authcore.IdentityProvider, error) {
	return s.scanIDP(s.pool.QueryRow(ctx, `SELECT `+idpCols+` FROM identity_providers WHERE id = $1`, id))
}

// ListIdentityProviders returns every provider, ordered by ID.
func (s *Store) ListIdentityProviders(ctx context.Context) ([]authcore.IdentityProvider, error) {
	return list(ctx, s, `SELECT `+idpCols+` FROM identity_providers ORDER BY id`, nil, s.scanIDP)
}

// UpdateIdentityProvider applies fn under the provider's row lock; a new
// issuer taken by another provider is authcore.ErrAlreadyExists.
func (s *Store) UpdateIdentityProvider(ctx context.Context, id string, fn func(authcore.IdentityProvider) (authcore.IdentityProvider, error)) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := s.scanIDP(tx.QueryRow(ctx, `SELECT `+idpCols+` FROM identity_providers WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		p, err := fn(cur)
		switch {
		case err != nil:
			return callerErr{err}
		case p.ID != id:
			return errIDChanged
		case p.Issuer == "":
			return errEmptyIssuer
		}
		_, err = tx.Exec(ctx, `UPDATE identity_providers SET (`+idpCols+`) = ($1,$2,$3,$4,$5,$6) WHERE id = $1`, s.idpArgs(p)...)
		return err
	})
}

// DeleteIdentityProvider removes the provider; its links stay.
func (s *Store) DeleteIdentityProvider(ctx context.Context, id string) error {
	return s.deleteOne(ctx, `DELETE FROM identity_providers WHERE id = $1`, id)
}

const linkCols = `issuer, subject, user_id, provider_id, created_at`

func scanLink(row pgx.Row) (authcore.FederatedLink, error) {
	var l authcore.FederatedLink
	var created *time.Time
	err := row.Scan(&l.Issuer, &l.Subject, &l.UserID, &l.ProviderID, &created)
	l.CreatedAt = tv(created)
	return l, storeErr(err)
}

// GetFederatedLink returns the link of (issuer, subject) or
// authcore.ErrNotFound.
func (s *Store) GetFederatedLink(ctx context.Context, issuer, subject string) (authcore.FederatedLink, error) {
	return scanLink(s.pool.QueryRow(ctx, `SELECT `+linkCols+` FROM federated_links WHERE issuer = $1 AND subject = $2`, issuer, subject))
}

// CreateFederatedLink stores l and, when newUser is not nil, creates that
// user, in one transaction. An existing link (or the new user's taken ID
// or username) is authcore.ErrAlreadyExists; a link to a missing user is
// authcore.ErrNotFound (the foreign key decides). Concurrent first uses
// of one subject conflict on the link's primary key: one commits, the
// others roll back, their user included.
func (s *Store) CreateFederatedLink(ctx context.Context, l authcore.FederatedLink, newUser *authcore.User) error {
	if l.Issuer == "" || l.Subject == "" || l.UserID == "" {
		return errEmptyID
	}
	if newUser != nil && (newUser.ID != l.UserID || newUser.Username == "") {
		return errEmptyUsername
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The user first (the link's foreign key needs it); a loser of a
		// race waits on the link's primary key for the winner and rolls
		// back its user with its link.
		if newUser != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO users (`+userCols+`) VALUES ($1,$2,$3,$4,$5)`, userArgs(*newUser)...); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO federated_links (`+linkCols+`) VALUES ($1,$2,$3,$4,$5)`,
			l.Issuer, l.Subject, l.UserID, l.ProviderID, ts(l.CreatedAt))
		return err
	})
}

// ListFederatedLinks returns the links of a local user, ordered by issuer
// and subject.
func (s *Store) ListFederatedLinks(ctx context.Context, userID string) ([]authcore.FederatedLink, error) {
	return list(ctx, s, `SELECT `+linkCols+` FROM federated_links WHERE user_id = $1 ORDER BY issuer, subject`, []any{userID}, scanLink)
}
