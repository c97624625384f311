package app

import (
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// ClientInput is what the console's client form and `latchkey client
// create|update` send. Field names follow RFC 7591 client metadata.
type ClientInput struct {
	Name         string   `json:"client_name"`
	Type         string   `json:"client_type"` // confidential or public
	RedirectURIs []string `json:"redirect_uris"`
	GrantTypes   []string `json:"grant_types"`
	Scope        string   `json:"scope"` // space-separated
	Audience     []string `json:"audience"`
	AuthMethod   string   `json:"token_endpoint_auth_method"`
	// JWKS (inline JSON) holds the public keys of a private_key_jwt
	// client. (A JWKS URI is not fetched: Latchkey makes no outbound
	// request on a client's behalf.)
	JWKS string `json:"jwks"`
	// Lifetimes in seconds; 0 keeps the server default.
	AccessTokenTTL  int64 `json:"access_token_ttl"`
	RefreshTokenTTL int64 `json:"refresh_token_ttl"`
	// OpenID Connect settings.
	IDTokenAlg string `json:"id_token_signed_response_alg"`
	// AuthzResponseAlg signs the client's JARM responses ("" is ES256).
	AuthzResponseAlg       string   `json:"authorization_signed_response_alg"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	BackchannelLogoutURI   string   `json:"backchannel_logout_uri"`
	BackchannelLogoutSID   bool     `json:"backchannel_logout_session_required"`
	// FrontchannelLogoutURI is framed by the signed-out page (OIDC
	// Front-Channel Logout); FrontchannelLogoutSID adds iss and sid to it.
	FrontchannelLogoutURI string `json:"frontchannel_logout_uri"`
	FrontchannelLogoutSID bool   `json:"frontchannel_logout_session_required"`
	// RequireMFA makes every sign-in for the client use a second factor.
	RequireMFA bool `json:"require_mfa"`
	// AuthorizationDetailsTypes are the registered RFC 9396 types the
	// client may request.
	AuthorizationDetailsTypes []string `json:"authorization_details_types"`
	// SubjectType is public ("" too) or pairwise (OIDC Core §8.1);
	// SectorIdentifierURI lists the client's redirect URIs (pairwise.go).
	SubjectType         string `json:"subject_type"`
	SectorIdentifierURI string `json:"sector_identifier_uri"`
	// CIBA (with the urn:openid:params:grant-type:ciba grant): poll or
	// ping, and the ping's notification endpoint.
	CIBAMode     string `json:"backchannel_token_delivery_mode"`
	CIBAEndpoint string `json:"backchannel_client_notification_endpoint"`
}

// Client is a registered client as the console shows it. ClientSecret is
// set only in the answer that creates or rotates it: it is shown once.
type Client struct {
	ID              string   `json:"client_id"`
	Secret          string   `json:"client_secret,omitempty"`
	Name            string   `json:"client_name"`
	Type            string   `json:"client_type"`
	RedirectURIs    []string `json:"redirect_uris"`
	GrantTypes      []string `json:"grant_types"`
	Scope           string   `json:"scope"`
	Audience        []string `json:"audience"`
	AuthMethod      string   `json:"token_endpoint_auth_method"`
	AccessTokenTTL  int64    `json:"access_token_ttl"`
	RefreshTokenTTL int64    `json:"refresh_token_ttl"`
	JWKS            string   `json:"jwks,omitempty"`
	IDTokenAlg      string   `json:"id_token_signed_response_alg,omitempty"`
	AuthzRespAlg    string   `json:"authorization_signed_response_alg,omitempty"`
	PostLogoutURIs  []string `json:"post_logout_redirect_uris"`
	BackchannelURI  string   `json:"backchannel_logout_uri,omitempty"`
	BackchannelSID  bool     `json:"backchannel_logout_session_required,omitempty"`
	FrontchannelURI string   `json:"frontchannel_logout_uri,omitempty"`
	FrontchannelSID bool     `json:"frontchannel_logout_session_required,omitempty"`
	RequireMFA      bool     `json:"require_mfa"`
	DetailsTypes    []string `json:"authorization_details_types"`
	// SubjectType is public or pairwise; Sector is the host a pairwise
	// client's subs are computed for.
	SubjectType     string `json:"subject_type"`
	SectorURI       string `json:"sector_identifier_uri,omitempty"`
	Sector          string `json:"sector,omitempty"`
	CIBAMode        string `json:"backchannel_token_delivery_mode,omitempty"`
	CIBAEndpoint    string `json:"backchannel_client_notification_endpoint,omitempty"`
	HasPrevSecret   bool   `json:"previous_secret_valid"`
	PrevSecretUntil string `json:"previous_secret_expires_at,omitempty"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

func (in ClientInput) spec() oauth.ClientSpec {
	return oauth.ClientSpec{
		Name:            strings.TrimSpace(in.Name),
		Type:            authcore.ClientType(in.Type),
		RedirectURIs:    in.RedirectURIs,
		GrantTypes:      in.GrantTypes,
		Scopes:          strings.Fields(in.Scope),
		Audience:        in.Audience,
		AuthMethod:      in.AuthMethod,
		JWKS:            in.JWKS,
		AccessTokenTTL:  time.Duration(in.AccessTokenTTL) * time.Second,
		RefreshTokenTTL: time.Duration(in.RefreshTokenTTL) * time.Second,

		IDTokenSignedResponseAlg:              in.IDTokenAlg,
		AuthorizationSignedResponseAlg:        in.AuthzResponseAlg,
		PostLogoutRedirectURIs:                in.PostLogoutRedirectURIs,
		BackchannelLogoutURI:                  in.BackchannelLogoutURI,
		BackchannelLogoutSessionRequired:      in.BackchannelLogoutSID,
		FrontchannelLogoutURI:                 in.FrontchannelLogoutURI,
		FrontchannelLogoutSessionRequired:     in.FrontchannelLogoutSID,
		RequireMFA:                            in.RequireMFA,
		AuthorizationDetailsTypes:             in.AuthorizationDetailsTypes,
		SubjectType:                           in.SubjectType,
		SectorIdentifierURI:                   strings.TrimSpace(in.SectorIdentifierURI),
		BackchannelTokenDeliveryMode:          in.CIBAMode,
		BackchannelClientNotificationEndpoint: in.CIBAEndpoint,
	}
}

func (a *App) clientDTO(c authcore.Client) Client {
	out := Client{
		ID: c.ID, Name: c.Name, Type: string(c.Type),
		RedirectURIs: nonNil(c.RedirectURIs), GrantTypes: nonNil(c.GrantTypes),
		Scope: strings.Join(c.Scopes, " "), Audience: nonNil(c.Audience), AuthMethod: c.AuthMethod,
		AccessTokenTTL: int64(c.AccessTokenTTL / time.Second), RefreshTokenTTL: int64(c.RefreshTokenTTL / time.Second),
		CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt),
		JWKS: c.JWKS, IDTokenAlg: c.IDTokenSignedResponseAlg, AuthzRespAlg: c.AuthorizationSignedResponseAlg,
		PostLogoutURIs: nonNil(c.PostLogoutRedirectURIs), BackchannelURI: c.BackchannelLogoutURI,
		BackchannelSID:  c.BackchannelLogoutSessionRequired,
		FrontchannelURI: c.FrontchannelLogoutURI, FrontchannelSID: c.FrontchannelLogoutSessionRequired,
		RequireMFA: c.RequireMFA, DetailsTypes: nonNil(c.AuthorizationDetailsTypes),
		SubjectType: subjectType(c), SectorURI: c.SectorIdentifierURI,
		CIBAMode: c.BackchannelTokenDeliveryMode, CIBAEndpoint: c.BackchannelClientNotificationEndpoint,
	}
	if c.Pairwise() {
		out.Sector = c.Sector()
	}
	if len(c.PrevSecretHash) > 0 && a.now().Before(c.PrevSecretExpires) {
		out.HasPrevSecret, out.PrevSecretUntil = true, stamp(c.PrevSecretExpires)
	}
	return out
}

// ListClients returns every registered client, newest first.
func (a *App) ListClients() ([]Client, error) {
	cs, err := a.srv.OAuth.Clients(a.ctx("client.list"))
	if err != nil {
		return nil, err
	}
	out := make([]Client, 0, len(cs))
	for _, c := range cs {
		out = append(out, a.clientDTO(c))
	}
	sortBy(out, func(c Client) string { return c.CreatedAt }, true)
	return out, nil
}

// GetClient returns one client.
func (a *App) GetClient(id string) (Client, error) {
	c, err := a.srv.OAuth.Client(a.ctx("client.show"), id)
	if err != nil {
		return Client{}, err
	}
	return a.clientDTO(c), nil
}

// CreateClient registers a client. The answer carries the secret of a
// confidential client: the only time it is shown.
func (a *App) CreateClient(in ClientInput) (Client, error) {
	ctx := a.ctx("client.create")
	c, secret, err := a.srv.OAuth.CreateClient(ctx, in.spec())
	if err != nil {
		return Client{}, registryError(err)
	}
	out := a.clientDTO(c)
	out.Secret = secret
	a.adminAction(ctx, "client.create", c.ID)
	return out, nil
}

// UpdateClient replaces a client's settings (its type cannot change).
func (a *App) UpdateClient(id string, in ClientInput) (Client, error) {
	ctx := a.ctx("client.update")
	c, err := a.srv.OAuth.UpdateClient(ctx, id, in.spec())
	if err != nil {
		return Client{}, registryError(err)
	}
	a.adminAction(ctx, "client.update", id)
	return a.clientDTO(c), nil
}

// DeleteClient removes a client.
func (a *App) DeleteClient(id string) error {
	ctx := a.ctx("client.delete")
	if err := a.srv.OAuth.DeleteClient(ctx, id); err != nil {
		return err
	}
	a.adminAction(ctx, "client.delete", id)
	return nil
}

// RotateClientSecret issues a new secret, shown once; the old one keeps
// working for graceSeconds (0: it stops at once).
func (a *App) RotateClientSecret(id string, graceSeconds int64) (Client, error) {
	if graceSeconds < 0 || graceSeconds > 30*24*3600 {
		return Client{}, invalid("grace period must be between 0 and 30 days")
	}
	ctx := a.ctx("client.rotate_secret")
	secret, err := a.srv.OAuth.RotateSecret(ctx, id, time.Duration(graceSeconds)*time.Second)
	if err != nil {
		return Client{}, registryError(err)
	}
	a.adminAction(ctx, "client.rotate_secret", id)
	out, err := a.GetClient(id)
	out.Secret = secret
	return out, err
}

// CreateRegistrationToken makes a single-use initial access token for
// dynamic client registration (RFC 7591 §3), valid for ttlSeconds (0: the
// default of a day; at most 30 days). It is shown once and stored nowhere.
func (a *App) CreateRegistrationToken(ttlSeconds int64) (string, error) {
	if ttlSeconds < 0 || ttlSeconds > 30*24*3600 {
		return "", invalid("a registration token lives between 0 (the default day) and 30 days")
	}
	ctx := a.ctx("client.registration_token")
	tok, err := a.srv.OAuth.CreateInitialAccessToken(ctx, time.Duration(ttlSeconds)*time.Second)
	if err != nil {
		return "", err
	}
	a.adminAction(ctx, "client.registration_token", "")
	return tok, nil
}
