package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

// clientDocV1 is the descriptive part of a client, the doc column of
// clients. Its secrets are columns of their own, and only hashes.
type clientDocV1 struct {
	Name            string                 `json:"name,omitempty"`
	RedirectURIs    []string               `json:"redirect_uris,omitempty"`
	GrantTypes      []string               `json:"grant_types,omitempty"`
	Scopes          []string               `json:"scopes,omitempty"`
	Audience        []string               `json:"aud,omitempty"`
	AuthMethod      string                 `json:"auth_method,omitempty"`
	JWKS            string                 `json:"jwks,omitempty"`
	JWKSURI         string                 `json:"jwks_uri,omitempty"`
	AccessTokenTTL  int64                  `json:"at_ttl_ns,omitempty"`
	RefreshTokenTTL int64                  `json:"rt_ttl_ns,omitempty"`
	IDTokenAlg      string                 `json:"id_token_alg,omitempty"`
	AuthzRespAlg    string                 `json:"authorization_signed_response_alg,omitempty"`
	PostLogoutURIs  []string               `json:"post_logout_redirect_uris,omitempty"`
	BackchannelURI  string                 `json:"backchannel_logout_uri,omitempty"`
	BackchannelSID  bool                   `json:"backchannel_logout_session_required,omitempty"`
	FrontchannelURI string                 `json:"frontchannel_logout_uri,omitempty"`
	FrontchannelSID bool                   `json:"frontchannel_logout_session_required,omitempty"`
	DPoPBound       bool                   `json:"dpop_bound_access_tokens,omitempty"`
	TLSBound        bool                   `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	TLSClientAuth   authcore.TLSClientAuth `json:"tls_client_auth"`
	LogoURI         string                 `json:"logo_uri,omitempty"`
	ClientURI       string                 `json:"client_uri,omitempty"`
	PolicyURI       string                 `json:"policy_uri,omitempty"`
	TOSURI          string                 `json:"tos_uri,omitempty"`
	Contacts        []string               `json:"contacts,omitempty"`
	RequirePAR      bool                   `json:"require_pushed_authorization_requests,omitempty"`
	FAPI            bool                   `json:"fapi,omitempty"`
	RequireMFA      bool                   `json:"require_mfa,omitempty"`
	DetailsTypes    []string               `json:"authorization_details_types,omitempty"`
	SubjectType     string                 `json:"subject_type,omitempty"`
	SectorURI       string                 `json:"sector_identifier_uri,omitempty"`
	CIBAMode        string                 `json:"backchannel_token_delivery_mode,omitempty"`
	CIBANotify      string                 `json:"backchannel_client_notification_endpoint,omitempty"`
}

const clientCols = `id, type, doc, secret_hash, prev_secret_hash, prev_secret_expires, registration_token_hash, created_at, updated_at`

func clientArgs(c authcore.Client) []any {
	doc := clientDocV1{
		Name: c.Name, RedirectURIs: c.RedirectURIs, GrantTypes: c.GrantTypes, Scopes: c.Scopes,
		Audience: c.Audience, AuthMethod: c.AuthMethod, JWKS: c.JWKS, JWKSURI: c.JWKSURI,
		AccessTokenTTL: int64(c.AccessTokenTTL), RefreshTokenTTL: int64(c.RefreshTokenTTL),
		IDTokenAlg: c.IDTokenSignedResponseAlg, PostLogoutURIs: c.PostLogoutRedirectURIs,
		AuthzRespAlg:   c.AuthorizationSignedResponseAlg,
		BackchannelURI: c.BackchannelLogoutURI, BackchannelSID: c.BackchannelLogoutSessionRequired,
		FrontchannelURI: c.FrontchannelLogoutURI, FrontchannelSID: c.FrontchannelLogoutSessionRequired,
		DPoPBound: c.DPoPBoundAccessTokens, TLSBound: c.TLSClientCertificateBoundAccessTokens,
		TLSClientAuth: c.TLSClientAuth, LogoURI: c.LogoURI, ClientURI: c.ClientURI,
		PolicyURI: c.PolicyURI, TOSURI: c.TOSURI, Contacts: c.Contacts,
		RequirePAR: c.RequirePushedAuthorizationRequests, FAPI: c.FAPI, RequireMFA: c.RequireMFA,
		DetailsTypes: c.AuthorizationDetailsTypes,
		SubjectType:  c.SubjectType, SectorURI: c.SectorIdentifierURI,
		CIBAMode: c.BackchannelTokenDeliveryMode, CIBANotify: c.BackchannelClientNotificationEndpoint,
	}
	return []any{c.ID, string(c.Type), jsonDoc(doc), c.SecretHash, c.PrevSecretHash,
		ts(c.PrevSecretExpires), c.RegistrationTokenHash, c.CreatedAt, c.UpdatedAt}
}

func scanClient(row pgx.Row) (authcore.Client, error) {
	var c authcore.Client
	var typ string
	var doc []byte
	var prevExp *time.Time
	err := row.Scan(&c.ID, &typ, &doc, &c.SecretHash, &c.PrevSecretHash, &prevExp,
		&c.RegistrationTokenHash, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, storeErr(err)
	}
	var d clientDocV1
	if err := json.Unmarshal(doc, &d); err != nil {
		return c, storeErr(err)
	}
	c.Type, c.PrevSecretExpires = authcore.ClientType(typ), tv(prevExp)
	c.Name, c.RedirectURIs, c.GrantTypes, c.Scopes = d.Name, d.RedirectURIs, d.GrantTypes, d.Scopes
	c.Audience, c.AuthMethod, c.JWKS, c.JWKSURI = d.Audience, d.AuthMethod, d.JWKS, d.JWKSURI
	c.AccessTokenTTL, c.RefreshTokenTTL = time.Duration(d.AccessTokenTTL), time.Duration(d.RefreshTokenTTL)
	c.IDTokenSignedResponseAlg, c.PostLogoutRedirectURIs = d.IDTokenAlg, d.PostLogoutURIs
	c.AuthorizationSignedResponseAlg = d.AuthzRespAlg
	c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired = d.BackchannelURI, d.BackchannelSID
	c.FrontchannelLogoutURI, c.FrontchannelLogoutSessionRequired = d.FrontchannelURI, d.FrontchannelSID
	c.DPoPBoundAccessTokens, c.TLSClientCertificateBoundAccessTokens = d.DPoPBound, d.TLSBound
	c.TLSClientAuth, c.LogoURI, c.ClientURI = d.TLSClientAuth, d.LogoURI, d.ClientURI
	c.PolicyURI, c.TOSURI, c.Contacts = d.PolicyURI, d.TOSURI, d.Contacts
	c.RequirePushedAuthorizationRequests, c.FAPI, c.RequireMFA = d.RequirePAR, d.FAPI, d.RequireMFA
	c.AuthorizationDetailsTypes = d.DetailsTypes
	c.SubjectType, c.SectorIdentifierURI = d.SubjectType, d.SectorURI
	c.BackchannelTokenDeliveryMode, c.BackchannelClientNotificationEndpoint = d.CIBAMode, d.CIBANotify
	return c, nil
}

// CreateClient stores a new client; an existing ID is
// authcore.ErrAlreadyExists.
func (s *Store) CreateClient(ctx context.Context, c authcore.Client) error {
	if c.ID == "" {
		return errEmptyID
	}
	_, err := s.exec(ctx, `INSERT INTO clients (`+clientCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, clientArgs(c)...)
	s.clients.forget(c.ID)
	return err
}

// GetClient returns the client id or authcore.ErrNotFound, from the
// node's cache while the change feed is watched (clientcache.go).
func (s *Store) GetClient(ctx context.Context, id string) (authcore.Client, error) {
	now := s.now()
	c, ok, gen, fill := s.clients.get(id, now)
	if ok {
		return c, nil
	}
	c, err := scanClient(s.pool.QueryRow(ctx, `SELECT `+clientCols+` FROM clients WHERE id = $1`, id))
	if err == nil && fill {
		s.clients.fill(c, now, gen)
	}
	return c, err
}

// ListClients returns every client, ordered by ID.
func (s *Store) ListClients(ctx context.Context) ([]authcore.Client, error) {
	return list(ctx, s, `SELECT `+clientCols+` FROM clients ORDER BY id`, nil, scanClient)
}

// UpdateClient applies fn to the client, locked for the transaction.
func (s *Store) UpdateClient(ctx context.Context, id string, fn func(authcore.Client) (authcore.Client, error)) error {
	defer s.clients.forget(id)
	return s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := scanClient(tx.QueryRow(ctx, `SELECT `+clientCols+` FROM clients WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		c, err := fn(cur)
		if err != nil {
			return callerErr{err}
		}
		if c.ID != id {
			return errIDChanged
		}
		_, err = tx.Exec(ctx, `UPDATE clients SET (`+clientCols+`) = ($1,$2,$3,$4,$5,$6,$7,$8,$9) WHERE id = $1`, clientArgs(c)...)
		return err
	})
}

// DeleteClient removes the client; an unknown ID is authcore.ErrNotFound.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	defer s.clients.forget(id)
	return s.deleteOne(ctx, `DELETE FROM clients WHERE id = $1`, id)
}

// deleteOne runs a DELETE that must remove a row.
func (s *Store) deleteOne(ctx context.Context, sql string, args ...any) error {
	n, err := s.exec(ctx, sql, args...)
	if err == nil && n == 0 {
		return authcore.ErrNotFound
	}
	return err
}

// list runs a query on the pool and scans each row with scan.
func list[T any](ctx context.Context, s *Store, sql string, args []any, scan func(pgx.Row) (T, error)) ([]T, error) {
	return collect(func(sql string) (pgx.Rows, error) { return s.pool.Query(ctx, sql, args...) }, sql, scan)
}
