package authcore

import (
	"context"
	"time"
)

// Provisioning policies of an IdentityProvider: what happens when a
// subject of the provider is seen for the first time.
const (
	// ProvisionCreate creates a local user linked to the external
	// (issuer, sub) on first use.
	ProvisionCreate = "create"
	// ProvisionRefuse refuses subjects that no administrator linked to a
	// local user beforehand.
	ProvisionRefuse = "refuse"
)

// DefaultFederationAlgorithms are the JWS algorithms accepted from an
// external provider when it lists none (RFC 8725 §3.1: an explicit
// allow-list; none and HS* can never be added).
var DefaultFederationAlgorithms = []string{"RS256", "ES256", "PS256", "EdDSA"}

// ClaimMapping names the external ID token claims that become the local
// user's attributes (OIDC Core §5.1 names are the defaults).
type ClaimMapping struct {
	Subject string // default "sub"
	Email   string // default "email"
	Name    string // default "name"
	Groups  string // default "groups"
}

// IdentityProvider is a trusted external OpenID provider (OIDC Core §2):
// Latchkey accepts its ID tokens for token exchange (RFC 8693) and the
// JWT bearer grant (RFC 7523 §2.1), and brokers browser logins to it as a
// confidential client.
type IdentityProvider struct {
	// ID is a short slug naming the provider in URLs, the CLI and links.
	ID string
	// Issuer is the provider's issuer identifier, compared exactly with
	// the iss of its tokens (OIDC Core §3.1.3.7 item 2). Unique.
	Issuer      string
	DisplayName string
	// ClientID and ClientSecret are Latchkey's own credentials at the
	// provider, for brokered login. The secret is stored only under the
	// store's encryption at rest and never logged or shown.
	ClientID     string
	ClientSecret string
	// Audiences are the aud values accepted in the provider's ID tokens
	// (the client ids at that provider of the applications that present
	// them); ClientID is always accepted for brokered login.
	Audiences []string
	// Algorithms is the JWS allow-list for the provider's tokens; empty
	// means DefaultFederationAlgorithms.
	Algorithms []string
	Claims     ClaimMapping
	// Scopes are the Latchkey scopes the provider's users may receive.
	Scopes []string
	// Resources, when not empty, limits the Latchkey resources (access
	// token audiences) the provider's users may obtain tokens for; the
	// requesting client's registered audience limits them in any case.
	Resources []string
	// Provisioning is ProvisionCreate or ProvisionRefuse.
	Provisioning string
	Enabled      bool
	// TrustAuthContext carries the acr and amr of the provider's ID
	// tokens into Latchkey's sessions and tokens (brokered login). Off,
	// a brokered sign-in claims no strength Latchkey did not see, and a
	// client that needs more steps up with a local second factor.
	TrustAuthContext bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// FederatedLink binds an external subject (issuer, sub) to a local user:
// the stable local identity of a federated user. Links are made once and
// never by email address.
type FederatedLink struct {
	Issuer     string
	Subject    string
	UserID     string
	ProviderID string
	CreatedAt  time.Time
}

// IdentityProviders stores trusted external providers and the links of
// their subjects to local users.
type IdentityProviders interface {
	// CreateIdentityProvider stores a new provider; an existing ID or
	// Issuer is ErrAlreadyExists.
	CreateIdentityProvider(ctx context.Context, p IdentityProvider) error
	GetIdentityProvider(ctx context.Context, id string) (IdentityProvider, error)
	// ListIdentityProviders returns every provider, ordered by ID.
	ListIdentityProviders(ctx context.Context) ([]IdentityProvider, error)
	// UpdateIdentityProvider applies fn in one transaction; fn may not
	// change the ID, and a new Issuer taken by another provider is
	// ErrAlreadyExists.
	UpdateIdentityProvider(ctx context.Context, id string, fn func(IdentityProvider) (IdentityProvider, error)) error
	// DeleteIdentityProvider removes the provider; its links stay, so a
	// provider registered again for the same issuer finds its users.
	DeleteIdentityProvider(ctx context.Context, id string) error

	// GetFederatedLink returns the link of (issuer, subject) or
	// ErrNotFound.
	GetFederatedLink(ctx context.Context, issuer, subject string) (FederatedLink, error)
	// CreateFederatedLink stores l and, when newUser is not nil, creates
	// that user, in one transaction; an existing link is
	// ErrAlreadyExists (the loser of a concurrent first use re-reads it).
	CreateFederatedLink(ctx context.Context, l FederatedLink, newUser *User) error
	// ListFederatedLinks returns the links of a local user.
	ListFederatedLinks(ctx context.Context, userID string) ([]FederatedLink, error)
}

// ExternalIdentity is an external ID token that passed validation (OIDC
// Core §3.1.3.7), mapped to its linked local user.
type ExternalIdentity struct {
	ProviderID string
	Issuer     string
	Subject    string // the external subject (the mapped sub claim)
	UserID     string // the linked local user, the sub of Latchkey's tokens
	// Scopes and Resources are the provider's limits (IdentityProvider).
	Scopes    []string
	Resources []string
	// Claims mapped from the token.
	Email    string
	Name     string
	Groups   []string
	ACR      string
	AMR      []string
	AuthTime time.Time
	// TokenID is the token's jti, or the SHA-256 of the token when it
	// has none: the key of its replay record.
	TokenID   string
	ExpiresAt time.Time
}

// ExternalTokenError refuses an external ID token or brokered login.
// Reason is a short stable code for the audit log (the federation
// package lists them); Temporary marks refusals that are not the
// token's fault, such as an unreachable JWKS (answered 503).
type ExternalTokenError struct {
	Reason    string
	Temporary bool
	Err       error
}

// Error implements error.
func (e *ExternalTokenError) Error() string {
	if e.Err == nil {
		return "authcore: external token refused: " + e.Reason
	}
	return "authcore: external token refused: " + e.Reason + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ExternalTokenError) Unwrap() error { return e.Err }
