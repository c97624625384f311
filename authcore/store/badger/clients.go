package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// clientV1 is the stored form of authcore.Client under v1/client/<id>.
type clientV1 struct {
	ID                string    `json:"id"`
	Name              string    `json:"name,omitempty"`
	Type              string    `json:"type"`
	RedirectURIs      []string  `json:"redirect_uris,omitempty"`
	GrantTypes        []string  `json:"grant_types,omitempty"`
	Scopes            []string  `json:"scopes,omitempty"`
	Audience          []string  `json:"aud,omitempty"`
	AuthMethod        string    `json:"auth_method,omitempty"`
	JWKS              string    `json:"jwks,omitempty"`
	JWKSURI           string    `json:"jwks_uri,omitempty"`
	SecretHash        []byte    `json:"secret_hash,omitempty"`
	PrevSecretHash    []byte    `json:"prev_secret_hash,omitempty"`
	PrevSecretExpires time.Time `json:"prev_secret_exp"`
	AccessTokenTTL    int64     `json:"at_ttl_ns,omitempty"`
	RefreshTokenTTL   int64     `json:"rt_ttl_ns,omitempty"`
	CreatedAt         time.Time `json:"created"`
	UpdatedAt         time.Time `json:"updated"`
	IDTokenAlg        string    `json:"id_token_alg,omitempty"`
	AuthzRespAlg      string    `json:"authorization_signed_response_alg,omitempty"`
	PostLogoutURIs    []string  `json:"post_logout_redirect_uris,omitempty"`
	BackchannelURI    string    `json:"backchannel_logout_uri,omitempty"`
	BackchannelSID    bool      `json:"backchannel_logout_session_required,omitempty"`
	FrontchannelURI   string    `json:"frontchannel_logout_uri,omitempty"`
	FrontchannelSID   bool      `json:"frontchannel_logout_session_required,omitempty"`
	DPoPBound         bool      `json:"dpop_bound_access_tokens,omitempty"`
	TLSBound          bool      `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	TLSSubjectDN      string    `json:"tls_client_auth_subject_dn,omitempty"`
	TLSSANDNS         string    `json:"tls_client_auth_san_dns,omitempty"`
	TLSSANURI         string    `json:"tls_client_auth_san_uri,omitempty"`
	TLSSANIP          string    `json:"tls_client_auth_san_ip,omitempty"`
	TLSSANEmail       string    `json:"tls_client_auth_san_email,omitempty"`
	RegTokenHash      []byte    `json:"registration_token_hash,omitempty"`
	LogoURI           string    `json:"logo_uri,omitempty"`
	ClientURI         string    `json:"client_uri,omitempty"`
	PolicyURI         string    `json:"policy_uri,omitempty"`
	TOSURI            string    `json:"tos_uri,omitempty"`
	Contacts          []string  `json:"contacts,omitempty"`
	RequirePAR        bool      `json:"require_pushed_authorization_requests,omitempty"`
	FAPI              bool      `json:"fapi,omitempty"`
	RequireMFA        bool      `json:"require_mfa,omitempty"`
	DetailsTypes      []string  `json:"authorization_details_types,omitempty"`
	SubjectType       string    `json:"subject_type,omitempty"`
	SectorURI         string    `json:"sector_identifier_uri,omitempty"`
	CIBAMode          string    `json:"backchannel_token_delivery_mode,omitempty"`
	CIBANotify        string    `json:"backchannel_client_notification_endpoint,omitempty"`
}

func clientRecord(c authcore.Client) clientV1 {
	return clientV1{
		ID: c.ID, Name: c.Name, Type: string(c.Type),
		RedirectURIs: c.RedirectURIs, GrantTypes: c.GrantTypes,
		Scopes: c.Scopes, Audience: c.Audience, AuthMethod: c.AuthMethod,
		JWKS: c.JWKS, JWKSURI: c.JWKSURI,
		SecretHash: c.SecretHash, PrevSecretHash: c.PrevSecretHash,
		PrevSecretExpires: c.PrevSecretExpires,
		AccessTokenTTL:    int64(c.AccessTokenTTL),
		RefreshTokenTTL:   int64(c.RefreshTokenTTL),
		CreatedAt:         c.CreatedAt, UpdatedAt: c.UpdatedAt,
		IDTokenAlg:      c.IDTokenSignedResponseAlg,
		AuthzRespAlg:    c.AuthorizationSignedResponseAlg,
		PostLogoutURIs:  c.PostLogoutRedirectURIs,
		BackchannelURI:  c.BackchannelLogoutURI,
		BackchannelSID:  c.BackchannelLogoutSessionRequired,
		FrontchannelURI: c.FrontchannelLogoutURI,
		FrontchannelSID: c.FrontchannelLogoutSessionRequired,
		DPoPBound:       c.DPoPBoundAccessTokens,
		TLSBound:        c.TLSClientCertificateBoundAccessTokens,
		TLSSubjectDN:    c.TLSClientAuth.SubjectDN, TLSSANDNS: c.TLSClientAuth.SANDNS,
		TLSSANURI: c.TLSClientAuth.SANURI, TLSSANIP: c.TLSClientAuth.SANIP,
		TLSSANEmail:  c.TLSClientAuth.SANEmail,
		RegTokenHash: c.RegistrationTokenHash,
		LogoURI:      c.LogoURI, ClientURI: c.ClientURI, PolicyURI: c.PolicyURI,
		TOSURI: c.TOSURI, Contacts: c.Contacts,
		RequirePAR: c.RequirePushedAuthorizationRequests, FAPI: c.FAPI, RequireMFA: c.RequireMFA,
		DetailsTypes: c.AuthorizationDetailsTypes,
		SubjectType:  c.SubjectType, SectorURI: c.SectorIdentifierURI,
		CIBAMode: c.BackchannelTokenDeliveryMode, CIBANotify: c.BackchannelClientNotificationEndpoint,
	}
}

func (r clientV1) domain() authcore.Client {
	return authcore.Client{
		ID: r.ID, Name: r.Name, Type: authcore.ClientType(r.Type),
		RedirectURIs: r.RedirectURIs, GrantTypes: r.GrantTypes,
		Scopes: r.Scopes, Audience: r.Audience, AuthMethod: r.AuthMethod,
		JWKS: r.JWKS, JWKSURI: r.JWKSURI,
		SecretHash: r.SecretHash, PrevSecretHash: r.PrevSecretHash,
		PrevSecretExpires: r.PrevSecretExpires,
		AccessTokenTTL:    time.Duration(r.AccessTokenTTL),
		RefreshTokenTTL:   time.Duration(r.RefreshTokenTTL),
		CreatedAt:         r.CreatedAt, UpdatedAt: r.UpdatedAt,

		IDTokenSignedResponseAlg:          r.IDTokenAlg,
		AuthorizationSignedResponseAlg:    r.AuthzRespAlg,
		PostLogoutRedirectURIs:            r.PostLogoutURIs,
		BackchannelLogoutURI:              r.BackchannelURI,
		BackchannelLogoutSessionRequired:  r.BackchannelSID,
		FrontchannelLogoutURI:             r.FrontchannelURI,
		FrontchannelLogoutSessionRequired: r.FrontchannelSID,

		DPoPBoundAccessTokens:                 r.DPoPBound,
		TLSClientCertificateBoundAccessTokens: r.TLSBound,
		TLSClientAuth: authcore.TLSClientAuth{SubjectDN: r.TLSSubjectDN, SANDNS: r.TLSSANDNS,
			SANURI: r.TLSSANURI, SANIP: r.TLSSANIP, SANEmail: r.TLSSANEmail},
		RegistrationTokenHash: r.RegTokenHash,
		LogoURI:               r.LogoURI, ClientURI: r.ClientURI, PolicyURI: r.PolicyURI,
		TOSURI: r.TOSURI, Contacts: r.Contacts,

		RequirePushedAuthorizationRequests: r.RequirePAR, FAPI: r.FAPI, RequireMFA: r.RequireMFA,
		AuthorizationDetailsTypes: r.DetailsTypes,
		SubjectType:               r.SubjectType, SectorIdentifierURI: r.SectorURI,
		BackchannelTokenDeliveryMode: r.CIBAMode, BackchannelClientNotificationEndpoint: r.CIBANotify,
	}
}

// errEmptyID rejects records without their key field.
var errEmptyID = errors.New("badger: record has an empty ID")

// errIDChanged rejects updater closures that change the record's key.
var errIDChanged = errors.New("badger: an update may not change the record's ID")

// CreateClient stores a new client; an existing ID is
// authcore.ErrAlreadyExists.
func (s *Store) CreateClient(ctx context.Context, c authcore.Client) error {
	if c.ID == "" {
		return errEmptyID
	}
	k := key(kindClient, c.ID)
	defer s.clients.forget(c.ID)
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, k); err != nil || ok {
			return orExists(err)
		}
		return put(txn, k, clientRecord(c), time.Time{})
	})
}

// GetClient returns the client id, or authcore.ErrNotFound.
// Clients are served from memory after the first read (clientcache.go).
func (s *Store) GetClient(ctx context.Context, id string) (authcore.Client, error) {
	r, ok, gen := s.clients.get(id)
	if ok {
		return r.cloned(), nil
	}
	err := s.view(ctx, func(txn *bdg.Txn) error { return get(txn, key(kindClient, id), &r) })
	if err == nil {
		s.clients.fill(id, r, gen)
	}
	return r.cloned(), err
}

// ListClients returns every client, ordered by ID.
func (s *Store) ListClients(ctx context.Context) ([]authcore.Client, error) {
	return list(ctx, s, prefix(kindClient), func(r clientV1) (authcore.Client, bool) { return r.domain(), true })
}

// UpdateClient applies fn to the stored client in one transaction. An
// error from fn is returned as is and nothing is written; fn may not
// change the ID. fn may run more than once if the update conflicts.
func (s *Store) UpdateClient(ctx context.Context, id string, fn func(authcore.Client) (authcore.Client, error)) error {
	k := key(kindClient, id)
	defer s.clients.forget(id)
	return s.update(ctx, func(txn *bdg.Txn) error {
		var r clientV1
		if err := get(txn, k, &r); err != nil {
			return err
		}
		c, err := fn(r.domain())
		if err != nil {
			return callerErr{err}
		}
		if c.ID != id {
			return errIDChanged
		}
		return put(txn, k, clientRecord(c), time.Time{})
	})
}

// DeleteClient removes the client id, or returns authcore.ErrNotFound.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	defer s.clients.forget(id)
	return s.update(ctx, func(txn *bdg.Txn) error { return del(txn, key(kindClient, id)) })
}

// orExists maps the result of a failed existence check: a real error
// stays, otherwise the key was taken.
func orExists(err error) error {
	if err != nil {
		return err
	}
	return authcore.ErrAlreadyExists
}

// del deletes k, or returns authcore.ErrNotFound if it is absent.
func del(txn *bdg.Txn, k []byte) error {
	if ok, err := exists(txn, k); err != nil || !ok {
		if err == nil {
			err = authcore.ErrNotFound
		}
		return err
	}
	return txn.Delete(k)
}
