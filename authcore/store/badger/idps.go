package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// idpV1 is the stored form of authcore.IdentityProvider under
// v1/idp/<id>; v1/idp-issuer/<issuer> indexes it. The client secret is
// kept as given: it is protected by the store's encryption at rest
// (Options.EncryptionKey), like every other record.
type idpV1 struct {
	ID           string    `json:"id"`
	Issuer       string    `json:"issuer"`
	DisplayName  string    `json:"name,omitempty"`
	ClientID     string    `json:"client_id,omitempty"`
	ClientSecret string    `json:"client_secret,omitempty"`
	Audiences    []string  `json:"aud,omitempty"`
	Algorithms   []string  `json:"algs,omitempty"`
	Claims       claimsV1  `json:"claims"`
	Scopes       []string  `json:"scopes,omitempty"`
	Resources    []string  `json:"resources,omitempty"`
	Provisioning string    `json:"provisioning,omitempty"`
	Enabled      bool      `json:"enabled,omitempty"`
	TrustAuth    bool      `json:"trust_auth_context,omitempty"`
	CreatedAt    time.Time `json:"created"`
	UpdatedAt    time.Time `json:"updated"`
}

// claimsV1 is the stored authcore.ClaimMapping.
type claimsV1 struct {
	Subject string `json:"sub,omitempty"`
	Email   string `json:"email,omitempty"`
	Name    string `json:"name,omitempty"`
	Groups  string `json:"groups,omitempty"`
}

// Struct conversions, as for users: they stop compiling when the domain
// type changes.
func idpRecord(p authcore.IdentityProvider) idpV1 {
	r := idpV1{ID: p.ID, Issuer: p.Issuer, DisplayName: p.DisplayName, ClientID: p.ClientID,
		ClientSecret: p.ClientSecret, Audiences: p.Audiences, Algorithms: p.Algorithms,
		Claims: claimsV1(p.Claims), Scopes: p.Scopes, Resources: p.Resources,
		Provisioning: p.Provisioning, Enabled: p.Enabled, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		TrustAuth: p.TrustAuthContext}
	return r
}

func (r idpV1) domain() authcore.IdentityProvider {
	return authcore.IdentityProvider{ID: r.ID, Issuer: r.Issuer, DisplayName: r.DisplayName,
		ClientID: r.ClientID, ClientSecret: r.ClientSecret, Audiences: r.Audiences,
		Algorithms: r.Algorithms, Claims: authcore.ClaimMapping(r.Claims), Scopes: r.Scopes,
		Resources: r.Resources, Provisioning: r.Provisioning, Enabled: r.Enabled,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, TrustAuthContext: r.TrustAuth}
}

var errEmptyIssuer = errors.New("badger: identity provider has an empty issuer")

// CreateIdentityProvider stores a new provider; a taken ID or issuer is
// authcore.ErrAlreadyExists.
func (s *Store) CreateIdentityProvider(ctx context.Context, p authcore.IdentityProvider) error {
	if p.ID == "" {
		return errEmptyID
	}
	if p.Issuer == "" {
		return errEmptyIssuer
	}
	pk, ik := key(kindIDP, p.ID), key(kindIDPIssuer, p.Issuer)
	return s.update(ctx, func(txn *bdg.Txn) error {
		for _, k := range [][]byte{pk, ik} {
			if ok, err := exists(txn, k); err != nil || ok {
				return orExists(err)
			}
		}
		if err := txn.Set(ik, []byte(p.ID)); err != nil {
			return err
		}
		return put(txn, pk, idpRecord(p), time.Time{})
	})
}

// GetIdentityProvider returns provider id, or authcore.ErrNotFound.
func (s *Store) GetIdentityProvider(ctx context.Context, id string) (authcore.IdentityProvider, error) {
	var r idpV1
	err := s.view(ctx, func(txn *bdg.Txn) error { return get(txn, key(kindIDP, id), &r) })
	return r.domain(), err
}

// ListIdentityProviders returns every provider, ordered by ID.
func (s *Store) ListIdentityProviders(ctx context.Context) ([]authcore.IdentityProvider, error) {
	return list(ctx, s, prefix(kindIDP), func(r idpV1) (authcore.IdentityProvider, bool) { return r.domain(), true })
}

// UpdateIdentityProvider applies fn to the stored provider in one
// transaction, moving the issuer index when fn changes the issuer.
func (s *Store) UpdateIdentityProvider(ctx context.Context, id string, fn func(authcore.IdentityProvider) (authcore.IdentityProvider, error)) error {
	pk := key(kindIDP, id)
	return s.update(ctx, func(txn *bdg.Txn) error {
		var r idpV1
		if err := get(txn, pk, &r); err != nil {
			return err
		}
		p, err := fn(r.domain())
		switch {
		case err != nil:
			return callerErr{err}
		case p.ID != id:
			return errIDChanged
		case p.Issuer == "":
			return errEmptyIssuer
		}
		if p.Issuer != r.Issuer {
			ik := key(kindIDPIssuer, p.Issuer)
			if ok, err := exists(txn, ik); err != nil || ok {
				return orExists(err)
			}
			if err := txn.Delete(key(kindIDPIssuer, r.Issuer)); err != nil {
				return err
			}
			if err := txn.Set(ik, []byte(id)); err != nil {
				return err
			}
		}
		return put(txn, pk, idpRecord(p), time.Time{})
	})
}

// DeleteIdentityProvider removes provider id and its issuer index, or
// returns authcore.ErrNotFound. Links of its subjects stay.
func (s *Store) DeleteIdentityProvider(ctx context.Context, id string) error {
	return s.update(ctx, func(txn *bdg.Txn) error {
		var r idpV1
		if err := get(txn, key(kindIDP, id), &r); err != nil {
			return err
		}
		if err := txn.Delete(key(kindIDPIssuer, r.Issuer)); err != nil {
			return err
		}
		return txn.Delete(key(kindIDP, id))
	})
}
