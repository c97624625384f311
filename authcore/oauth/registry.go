package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// ErrPublicClient is returned by RotateSecret for a client without a
// secret.
var ErrPublicClient = errors.New("oauth: public clients have no secret")

// ClientSpec is what an administrator (or RFC 7591 registration) chooses
// for a client. The server chooses the id and the secret.
type ClientSpec struct {
	Name string
	// Type is confidential (the default) or public.
	Type authcore.ClientType
	// RedirectURIs are compared byte for byte at /authorize.
	RedirectURIs []string
	// GrantTypes default to authorization_code and refresh_token.
	GrantTypes []string
	// Scopes must be registered scopes.
	Scopes []string
	// Audience lists the resources the client's tokens name; empty means
	// the server's default audience.
	Audience []string
	// AuthMethod defaults to client_secret_basic for confidential clients
	// and is always none for public ones. private_key_jwt (OIDC Core §9,
	// RFC 7523 §2.2) needs JWKS and gets no secret.
	AuthMethod string
	// JWKS is the client's public JWK Set (RFC 7517 §5, RFC 7591 §2
	// jwks) for private_key_jwt: public EC P-256, RSA (>= 2048 bit) or
	// Ed25519 signing keys only, each usable with one of
	// AssertionAlgorithms(), with unique kids. On UpdateClient an empty
	// JWKS keeps the registered one.
	JWKS string
	// JWKSURI (RFC 7591 §2 jwks_uri) is refused: Latchkey does not fetch
	// client keys.
	JWKSURI string
	// AccessTokenTTL and RefreshTokenTTL override the server defaults when
	// non-zero.
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration

	// IDTokenSignedResponseAlg is the alg of the client's ID tokens (OIDC
	// Registration §2); "" means the server default. When
	// Config.IDTokenAlgorithms is set it must be one of them.
	IDTokenSignedResponseAlg string
	// AuthorizationSignedResponseAlg is the alg of the client's JARM
	// responses (JARM §3); "" means the server default. It must be one
	// the server signs with, like IDTokenSignedResponseAlg.
	AuthorizationSignedResponseAlg string
	// PostLogoutRedirectURIs are where RP-initiated logout may return
	// (OIDC RP-Initiated Logout 1.0 §3.1); the redirect URI rules apply.
	PostLogoutRedirectURIs []string
	// BackchannelLogoutURI receives logout tokens (OIDC Back-Channel
	// Logout 1.0 §2.2): https, or http on a loopback address; no fragment.
	BackchannelLogoutURI string
	// BackchannelLogoutSessionRequired asks for sid in logout tokens.
	BackchannelLogoutSessionRequired bool
	// FrontchannelLogoutURI is framed by the signed-out page (OIDC
	// Front-Channel Logout 1.0 §2): https, or http on a loopback address;
	// no fragment, no query, a plain path that a CSP frame-src can name
	// exactly (authcore.CSPFrameSource).
	FrontchannelLogoutURI string
	// FrontchannelLogoutSessionRequired asks for iss and sid on the
	// frame's URI.
	FrontchannelLogoutSessionRequired bool

	// DPoPBoundAccessTokens makes a DPoP proof mandatory on the client's
	// token requests (RFC 9449 §5.2).
	DPoPBoundAccessTokens bool
	// TLSClientCertificateBoundAccessTokens binds the client's access
	// tokens to its TLS client certificate (RFC 8705 §3.4); needs mTLS.
	TLSClientCertificateBoundAccessTokens bool
	// TLSClientAuth is the certificate subject a tls_client_auth client
	// is known by (RFC 8705 §2.1.2): exactly one field; needs mTLS. A
	// self_signed_tls_client_auth client registers its certificates in
	// JWKS as x5c (RFC 8705 §2.2).
	TLSClientAuth authcore.TLSClientAuth
	// LogoURI, ClientURI, PolicyURI, TOSURI and Contacts are display
	// metadata (RFC 7591 §2): https URLs kept as data, never fetched.
	LogoURI, ClientURI, PolicyURI, TOSURI string
	Contacts                              []string

	// RequirePushedAuthorizationRequests makes /authorize accept the
	// client's requests only through PAR (RFC 9126 §6).
	RequirePushedAuthorizationRequests bool
	// FAPI puts the client in the FAPI 2.0 mode (fapi.go): confidential,
	// private_key_jwt or mTLS, PAR, sender-constrained tokens.
	FAPI bool
	// RequireMFA makes every sign-in for the client use a second factor
	// (require_mfa).
	RequireMFA bool
	// AuthorizationDetailsTypes are the registered RFC 9396 types the
	// client may request (authorization_details_types, §10).
	AuthorizationDetailsTypes []string
	// SubjectType is public ("" too) or pairwise (OIDC Core §8.1);
	// SectorIdentifierURI is fetched and must list every redirect URI
	// (registry_pairwise.go).
	SubjectType         string
	SectorIdentifierURI string
	// selfRegistered marks a dynamic registration (RFC 7591): its
	// sector_identifier_uri is fetched through the egress guard.
	selfRegistered bool

	// BackchannelTokenDeliveryMode is poll or ping for a client with the
	// CIBA grant (CIBA Core 1.0 §4); push is not supported.
	BackchannelTokenDeliveryMode string
	// BackchannelClientNotificationEndpoint is the ping target (CIBA Core
	// 1.0 §4): https, or http on loopback when the issuer is loopback.
	BackchannelClientNotificationEndpoint string
	// BackchannelAuthenticationRequestSigningAlg and
	// BackchannelUserCodeParameter (CIBA Core 1.0 §4) are refused when
	// set: Latchkey takes neither signed CIBA requests nor user codes.
	BackchannelAuthenticationRequestSigningAlg string
	BackchannelUserCodeParameter               bool
}

// CreateClient validates spec and registers a client with a
// server-generated id and, for confidential clients, a 256-bit secret that
// is returned once and stored only as HMAC-SHA256(pepper, secret).
func (s *Server) CreateClient(ctx context.Context, spec ClientSpec) (authcore.Client, string, error) {
	c, err := s.validateSpec(ctx, spec)
	if err != nil {
		return authcore.Client{}, "", err
	}
	if c.ID, err = s.newID(); err != nil {
		return authcore.Client{}, "", err
	}
	var secret string
	if c.Type == authcore.Confidential && c.AuthMethod != authcore.AuthPrivateKeyJWT && !isMTLSMethod(c.AuthMethod) {
		if secret, err = s.randomToken(32); err != nil {
			return authcore.Client{}, "", err
		}
		c.SecretHash = s.hashSecret(secret)
	}
	c.CreatedAt = s.now()
	c.UpdatedAt = c.CreatedAt
	if err := s.store.CreateClient(ctx, c); err != nil {
		return authcore.Client{}, "", fmt.Errorf("oauth: create client: %w", err)
	}
	s.record(ctx, audit.Event{Type: audit.ClientCreated, ClientID: c.ID,
		Details: map[string]any{"name": c.Name, "type": string(c.Type),
			"grant_types": c.GrantTypes, "auth_method": c.AuthMethod}})
	return c, secret, nil
}

// UpdateClient replaces the client's settings with spec, keeping its id,
// type, secrets and creation time. The type cannot change.
func (s *Server) UpdateClient(ctx context.Context, id string, spec ClientSpec) (authcore.Client, error) {
	cur, err := s.store.GetClient(ctx, id)
	if err != nil {
		return authcore.Client{}, fmt.Errorf("oauth: update client: %w", err)
	}
	if spec.Type == "" {
		spec.Type = cur.Type
	}
	if spec.Type != cur.Type {
		return authcore.Client{}, authcore.Invalid(ErrInvalidClientMetadata, "client type cannot change")
	}
	if spec.AuthMethod == authcore.AuthPrivateKeyJWT && spec.JWKS == "" && spec.JWKSURI == "" {
		spec.JWKS = cur.JWKS // keep the registered keys
	}
	// Validate outside the update: validation reads the scope registry.
	c, err := s.validateSpec(ctx, spec)
	if err != nil {
		return authcore.Client{}, err
	}
	err = s.store.UpdateClient(ctx, id, func(old authcore.Client) (authcore.Client, error) {
		if old.Type != c.Type {
			return old, fmt.Errorf("%w: client type changed concurrently", authcore.ErrConflict)
		}
		c.ID, c.CreatedAt, c.UpdatedAt = old.ID, old.CreatedAt, s.now()
		c.SecretHash, c.PrevSecretHash, c.PrevSecretExpires = old.SecretHash, old.PrevSecretHash, old.PrevSecretExpires
		c.RegistrationTokenHash = old.RegistrationTokenHash // RFC 7592, register_manage.go
		return c, nil
	})
	if err != nil {
		return authcore.Client{}, fmt.Errorf("oauth: update client: %w", err)
	}
	s.record(ctx, audit.Event{Type: audit.ClientUpdated, ClientID: id,
		Details: map[string]any{"name": c.Name, "grant_types": c.GrantTypes}})
	return c, nil
}

// DeleteClient removes a client, then revokes its grants: its refresh
// tokens and client authentication fail at once, and its access tokens
// are refused by every gateway that checks revocation (on every node).
func (s *Server) DeleteClient(ctx context.Context, id string) error {
	if err := s.store.DeleteClient(ctx, id); err != nil {
		return fmt.Errorf("oauth: delete client: %w", err)
	}
	s.record(ctx, audit.Event{Type: audit.ClientDeleted, ClientID: id})
	return s.revokeGrantsOf(ctx, id) // client_delete.go
}

// RotateSecret gives a confidential client a new secret, returned once.
// The old secret keeps working until grace has passed (grace <= 0 ends it
// at once).
func (s *Server) RotateSecret(ctx context.Context, id string, grace time.Duration) (string, error) {
	secret, err := s.randomToken(32)
	if err != nil {
		return "", err
	}
	now := s.now()
	err = s.store.UpdateClient(ctx, id, func(c authcore.Client) (authcore.Client, error) {
		if c.Type != authcore.Confidential {
			return c, ErrPublicClient
		}
		c.PrevSecretHash, c.PrevSecretExpires = nil, time.Time{}
		if grace > 0 {
			c.PrevSecretHash, c.PrevSecretExpires = c.SecretHash, now.Add(grace)
		}
		c.SecretHash, c.UpdatedAt = s.hashSecret(secret), now
		return c, nil
	})
	if err != nil {
		return "", fmt.Errorf("oauth: rotate secret: %w", err)
	}
	s.record(ctx, audit.Event{Type: audit.ClientSecretRotated, ClientID: id,
		Details: map[string]any{"grace_seconds": int64(grace / time.Second)}})
	return secret, nil
}

// Client returns a registered client.
func (s *Server) Client(ctx context.Context, id string) (authcore.Client, error) {
	return s.store.GetClient(ctx, id)
}

// Clients lists the registered clients.
func (s *Server) Clients(ctx context.Context) ([]authcore.Client, error) {
	return s.store.ListClients(ctx)
}
