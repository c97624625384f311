package authcore

import "time"

// ClientType is confidential or public (OAuth 2.1 §2.1).
type ClientType string

// The two client types of OAuth 2.1 §2.1.
const (
	Confidential ClientType = "confidential"
	Public       ClientType = "public"
)

// Token endpoint authentication methods (RFC 7591 §2, OIDC Core §9).
const (
	AuthSecretBasic   = "client_secret_basic"
	AuthSecretPost    = "client_secret_post"
	AuthPrivateKeyJWT = "private_key_jwt"
	AuthNone          = "none"
	// AuthTLSClient and AuthSelfSignedTLSClient are mutual-TLS client
	// authentication (RFC 8705 §2.1, §2.2).
	AuthTLSClient           = "tls_client_auth"
	AuthSelfSignedTLSClient = "self_signed_tls_client_auth"
)

// Grant types Latchkey implements. Implicit and password do not exist.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"
	// GrantTokenExchange is RFC 8693 §2.1 token exchange.
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	// GrantJWTBearer is the RFC 7523 §2.1 JWT bearer grant, for ID tokens
	// of trusted external providers (authcore/federation).
	GrantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// SupportedGrants returns every grant type a client may register, the
// device grant (device.go) included, in the order people meet them. It is
// the one list help texts name; the caller owns the slice.
func SupportedGrants() []string {
	return []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials,
		GrantDeviceCode, GrantTokenExchange, GrantJWTBearer, GrantCIBA}
}

// Client is a registered OAuth client. Secrets are never stored: only
// their keyed hashes.
type Client struct {
	ID           string
	Name         string
	Type         ClientType
	RedirectURIs []string
	GrantTypes   []string
	Scopes       []string // the scopes this client may ever receive
	Audience     []string // resources its access tokens may name
	AuthMethod   string
	// JWKS is the client's public key set (JSON) for private_key_jwt.
	JWKS    string
	JWKSURI string

	// SecretHash is the keyed hash of the current secret.
	SecretHash []byte
	// PrevSecretHash still authenticates until PrevSecretExpires
	// (secret rotation with a grace period).
	PrevSecretHash    []byte
	PrevSecretExpires time.Time

	// Lifetimes override the server defaults when non-zero.
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration

	CreatedAt time.Time
	UpdatedAt time.Time

	// IDTokenSignedResponseAlg is the JWS algorithm of the client's ID
	// and logout tokens (OIDC Dynamic Client Registration 1.0 §2,
	// id_token_signed_response_alg); "" means the server default (ES256).
	IDTokenSignedResponseAlg string
	// AuthorizationSignedResponseAlg is the JWS algorithm of the
	// client's JARM authorization responses (JARM §3,
	// authorization_signed_response_alg); "" means the server default
	// (ES256).
	AuthorizationSignedResponseAlg string
	// PostLogoutRedirectURIs are where RP-initiated logout may send the
	// browser back to, compared byte for byte (OIDC RP-Initiated Logout
	// 1.0 §3.1, post_logout_redirect_uris).
	PostLogoutRedirectURIs []string
	// BackchannelLogoutURI receives logout tokens when a session of the
	// client's users ends (OIDC Back-Channel Logout 1.0 §2.2); "" means
	// the client is not notified.
	BackchannelLogoutURI string
	// BackchannelLogoutSessionRequired asks for the sid claim in logout
	// tokens (Back-Channel Logout 1.0 §2.2). Latchkey always sends it.
	BackchannelLogoutSessionRequired bool
	// FrontchannelLogoutURI is framed by the signed-out page when a
	// session of the client's users ends there (OIDC Front-Channel
	// Logout 1.0 §2); "" means no frame.
	FrontchannelLogoutURI string
	// FrontchannelLogoutSessionRequired adds iss and sid to the frame's
	// URI (Front-Channel Logout 1.0 §2).
	FrontchannelLogoutSessionRequired bool
	// BackchannelTokenDeliveryMode is how a CIBA client learns that its
	// request was decided (CIBA Core 1.0 §4, §5): CIBAPoll or CIBAPing;
	// "" for clients without the CIBA grant.
	BackchannelTokenDeliveryMode string
	// BackchannelClientNotificationEndpoint receives the ping of a
	// ping-mode CIBA client (CIBA Core 1.0 §10.2).
	BackchannelClientNotificationEndpoint string

	// DPoPBoundAccessTokens requires a DPoP proof on every token request
	// of the client (RFC 9449 §5.2, dpop_bound_access_tokens).
	DPoPBoundAccessTokens bool
	// TLSClientCertificateBoundAccessTokens binds the client's access
	// tokens to its TLS client certificate (RFC 8705 §3.4).
	TLSClientCertificateBoundAccessTokens bool
	// TLSClientAuth is the certificate identity a tls_client_auth client
	// registered (RFC 8705 §2.1.2): exactly one of its fields is set.
	TLSClientAuth TLSClientAuth

	// RegistrationTokenHash is the SHA-256 of the RFC 7592 registration
	// access token of a dynamically registered client; nil otherwise.
	RegistrationTokenHash []byte
	// Display metadata of RFC 7591 §2, stored as data and never fetched
	// by the server.
	LogoURI   string
	ClientURI string
	PolicyURI string
	TOSURI    string
	Contacts  []string

	// RequirePushedAuthorizationRequests makes /authorize accept only
	// request_uri values from PAR for this client (RFC 9126 §6,
	// require_pushed_authorization_requests).
	RequirePushedAuthorizationRequests bool
	// FAPI puts the client in the FAPI 2.0 Security Profile mode: PAR
	// required, sender-constrained tokens, private_key_jwt or mTLS
	// authentication, PS256/ES256/EdDSA only, 60 s codes (FAPI 2.0
	// §5.3.2, §5.4.1).
	FAPI bool
	// RequireMFA makes every sign-in for this client use a second
	// factor (require_mfa client metadata): users without one enroll
	// first, and sessions signed in with a password alone step up.
	RequireMFA bool
	// AuthorizationDetailsTypes are the RFC 9396 authorization_details
	// types the client may request (authorization_details_types, RFC
	// 9396 §10).
	AuthorizationDetailsTypes []string

	// SubjectType is "" or SubjectPublic (the user id is the sub), or
	// SubjectPairwise (OIDC Core §8.1: a sub per sector, pairwise.go).
	SubjectType string
	// SectorIdentifierURI is the https URL whose JSON array lists the
	// client's redirect URIs (OIDC Registration §5); its host is the
	// client's sector. "" uses the redirect URI's host.
	SectorIdentifierURI string
}

// TLSClientAuth is the expected subject of a tls_client_auth client's
// certificate (RFC 8705 §2.1.2): a subject DN (RFC 4514 string) or one
// subjectAltName entry.
type TLSClientAuth struct {
	SubjectDN string
	SANDNS    string
	SANURI    string
	SANIP     string
	SANEmail  string
}

// AllowsGrant reports whether the client registered grant type g.
func (c Client) AllowsGrant(g string) bool { return contains(c.GrantTypes, g) }

// SelfRegistered reports whether the client registered itself (RFC 7591:
// it holds a registration access token). Its redirect, post-logout and
// back-channel URIs and its name were chosen unvetted, so Latchkey never
// redirects to it before a user trusted it, refuses reserved names for
// it and says so on the consent page (RFC 9700 §4.11.2, §4.15).
func (c Client) SelfRegistered() bool { return len(c.RegistrationTokenHash) > 0 }

// AllowsScope reports whether scope s is in the client's allowed list.
func (c Client) AllowsScope(s string) bool { return contains(c.Scopes, s) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
