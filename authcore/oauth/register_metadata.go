package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/latchkey/latchkey/authcore"
)

// clientMetadata is the client metadata of RFC 7591 §2 (with the OIDC
// Registration, RFC 9449 §5.2 and RFC 8705 §2.1.2, §3.4 members Latchkey
// implements), as registered and as answered.
type clientMetadata struct {
	cibaMetadata // CIBA members, registry_ciba.go

	RedirectURIs            []string        `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string        `json:"grant_types,omitempty"`
	ResponseTypes           []string        `json:"response_types,omitempty"`
	ClientName              string          `json:"client_name,omitempty"`
	ClientURI               string          `json:"client_uri,omitempty"`
	LogoURI                 string          `json:"logo_uri,omitempty"`
	Scope                   string          `json:"scope,omitempty"`
	Contacts                []string        `json:"contacts,omitempty"`
	TOSURI                  string          `json:"tos_uri,omitempty"`
	PolicyURI               string          `json:"policy_uri,omitempty"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`

	IDTokenSignedResponseAlg          string   `json:"id_token_signed_response_alg,omitempty"`
	AuthorizationSignedResponseAlg    string   `json:"authorization_signed_response_alg,omitempty"`
	PostLogoutRedirectURIs            []string `json:"post_logout_redirect_uris,omitempty"`
	BackchannelLogoutURI              string   `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired  bool     `json:"backchannel_logout_session_required,omitempty"`
	FrontchannelLogoutURI             string   `json:"frontchannel_logout_uri,omitempty"`
	FrontchannelLogoutSessionRequired bool     `json:"frontchannel_logout_session_required,omitempty"`

	DPoPBoundAccessTokens                 bool   `json:"dpop_bound_access_tokens,omitempty"`
	TLSClientCertificateBoundAccessTokens bool   `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	TLSClientAuthSubjectDN                string `json:"tls_client_auth_subject_dn,omitempty"`
	TLSClientAuthSANDNS                   string `json:"tls_client_auth_san_dns,omitempty"`
	TLSClientAuthSANURI                   string `json:"tls_client_auth_san_uri,omitempty"`
	TLSClientAuthSANIP                    string `json:"tls_client_auth_san_ip,omitempty"`
	TLSClientAuthSANEmail                 string `json:"tls_client_auth_san_email,omitempty"`

	// RequireMFA (require_mfa, a Latchkey member) makes every sign-in for
	// the client use a second factor.
	RequireMFA bool `json:"require_mfa,omitempty"`
	// AuthorizationDetailsTypes (RFC 9396 §10) are the registered types
	// the client may request.
	AuthorizationDetailsTypes []string `json:"authorization_details_types,omitempty"`

	// SubjectType and SectorIdentifierURI (OIDC Registration §2): pairwise
	// subjects, registry_pairwise.go.
	SubjectType         string `json:"subject_type,omitempty"`
	SectorIdentifierURI string `json:"sector_identifier_uri,omitempty"`
}

// registrationRequest is a POST /register or PUT /register/{id} body:
// the metadata and the members Latchkey refuses or checks without
// storing.
type registrationRequest struct {
	clientMetadata
	ClientID          string   `json:"client_id"`
	ClientSecret      string   `json:"client_secret"`
	JWKSURI           string   `json:"jwks_uri"`
	RequestURIs       []string `json:"request_uris"`
	SoftwareStatement string   `json:"software_statement"`
	// Algorithms that are checked (never none, never HS*) but not kept.
	TokenEndpointAuthSigningAlg string `json:"token_endpoint_auth_signing_alg"`
	RequestObjectSigningAlg     string `json:"request_object_signing_alg"`
	UserinfoSignedResponseAlg   string `json:"userinfo_signed_response_alg"`
}

// registrationResponse is the client information response (RFC 7591
// §3.2.1, RFC 7592 §3).
type registrationResponse struct {
	ClientID              string `json:"client_id"`
	ClientSecret          string `json:"client_secret,omitempty"`
	ClientIDIssuedAt      int64  `json:"client_id_issued_at"`
	ClientSecretExpiresAt *int64 `json:"client_secret_expires_at,omitempty"`
	RegistrationToken     string `json:"registration_access_token"`
	RegistrationURI       string `json:"registration_client_uri"`
	clientMetadata
}

// defaultClientName names a client registered without client_name.
const defaultClientName = "Dynamically registered client"

// spec turns registration metadata into a ClientSpec after the checks
// that only registration needs (RFC 7591 §2, §3.2.2): no jwks_uri,
// request_uris or software statements; a sector_identifier_uri is fetched
// through the egress guard (registry_pairwise.go); response_types only code; signing
// algorithms never none or HS*; scopes only registrable ones. Omitted
// members take the RFC 7591 §2 defaults (grant_types authorization_code,
// token_endpoint_auth_method client_secret_basic; response_types code
// follows); omitted scope is left for defaultScopes.
func (s *Server) spec(req registrationRequest) (ClientSpec, error) {
	bad := func(format string, a ...any) error {
		return authcore.Invalid(ErrInvalidClientMetadata, format, a...)
	}
	switch {
	case req.JWKSURI != "":
		return ClientSpec{}, bad("jwks_uri is not supported; register the keys inline as jwks")
	case len(req.RequestURIs) > 0:
		return ClientSpec{}, bad("request_uris is not supported; push requests with PAR")
	case req.SoftwareStatement != "":
		return ClientSpec{}, newError(CodeInvalidSoftwareStatement, 400, "software statements are not supported")
	}
	for name, alg := range map[string]string{"token_endpoint_auth_signing_alg": req.TokenEndpointAuthSigningAlg,
		"request_object_signing_alg": req.RequestObjectSigningAlg, "userinfo_signed_response_alg": req.UserinfoSignedResponseAlg,
		"id_token_signed_response_alg":      req.IDTokenSignedResponseAlg,
		"authorization_signed_response_alg": req.AuthorizationSignedResponseAlg} {
		if alg != "" && !slices.Contains(supportedJWSAlgs, alg) {
			return ClientSpec{}, bad("%s %q is not accepted (never none or HS*)", name, alg)
		}
	}
	for _, rt := range req.ResponseTypes {
		if rt != "code" {
			return ClientSpec{}, bad("response_types may only hold code")
		}
	}
	scopes, err := parseScope(req.Scope)
	if err != nil {
		return ClientSpec{}, bad("scope is malformed")
	}
	for _, sc := range scopes { // none: defaultScopes fills them in
		if !slices.Contains(s.registrableScopes(), sc) {
			return ClientSpec{}, bad("scope %q may not be registered dynamically", sc)
		}
	}
	m := req.clientMetadata
	spec := ClientSpec{Name: m.ClientName, Type: authcore.Confidential, RedirectURIs: m.RedirectURIs,
		GrantTypes: m.GrantTypes, Scopes: scopes, AuthMethod: m.TokenEndpointAuthMethod,
		IDTokenSignedResponseAlg: m.IDTokenSignedResponseAlg, PostLogoutRedirectURIs: m.PostLogoutRedirectURIs,
		AuthorizationSignedResponseAlg: m.AuthorizationSignedResponseAlg,
		BackchannelLogoutURI:           m.BackchannelLogoutURI, BackchannelLogoutSessionRequired: m.BackchannelLogoutSessionRequired,
		FrontchannelLogoutURI: m.FrontchannelLogoutURI, FrontchannelLogoutSessionRequired: m.FrontchannelLogoutSessionRequired,
		DPoPBoundAccessTokens: m.DPoPBoundAccessTokens, TLSClientCertificateBoundAccessTokens: m.TLSClientCertificateBoundAccessTokens,
		TLSClientAuth: authcore.TLSClientAuth{SubjectDN: m.TLSClientAuthSubjectDN, SANDNS: m.TLSClientAuthSANDNS,
			SANURI: m.TLSClientAuthSANURI, SANIP: m.TLSClientAuthSANIP, SANEmail: m.TLSClientAuthSANEmail},
		LogoURI: m.LogoURI, ClientURI: m.ClientURI, PolicyURI: m.PolicyURI, TOSURI: m.TOSURI, Contacts: m.Contacts,
		AuthorizationDetailsTypes: m.AuthorizationDetailsTypes,
		RequireMFA:                m.RequireMFA, SubjectType: m.SubjectType, SectorIdentifierURI: m.SectorIdentifierURI,
		selfRegistered: true}
	if spec.Name == "" {
		spec.Name = defaultClientName
	}
	if spec.AuthMethod == "" {
		spec.AuthMethod = authcore.AuthSecretBasic // RFC 7591 §2 default
	}
	if spec.AuthMethod == authcore.AuthNone {
		spec.Type = authcore.Public
	}
	if len(spec.GrantTypes) == 0 {
		spec.GrantTypes = []string{authcore.GrantAuthorizationCode} // RFC 7591 §2 default
	}
	if len(m.JWKS) > 0 && string(m.JWKS) != "null" {
		spec.JWKS = string(m.JWKS)
	}
	if err := checkBackchannel(spec.BackchannelLogoutURI); err != nil {
		return ClientSpec{}, bad("backchannel_logout_uri %v", err)
	}
	if err := cibaSpec(m.cibaMetadata, &spec); err != nil { // registry_ciba.go
		return ClientSpec{}, err
	}
	return spec, nil
}

// defaultScopes gives a registration that named no scope (RFC 7591 §2
// leaves the default to the server) the registrable scopes that exist in
// the scope registry, without offline_access unless the client registered
// the refresh_token grant: what such a client can actually be granted.
func (s *Server) defaultScopes(ctx context.Context, spec *ClientSpec) error {
	if spec.Scopes != nil {
		return nil
	}
	spec.Scopes = []string{}
	for _, name := range s.registrableScopes() {
		if name == scopeOfflineAccess && !slices.Contains(spec.GrantTypes, authcore.GrantRefreshToken) {
			continue
		}
		switch _, err := s.store.GetScope(ctx, name); {
		case err == nil:
			spec.Scopes = append(spec.Scopes, name)
		case !errors.Is(err, authcore.ErrNotFound):
			return unavailable(err)
		}
	}
	return nil
}

// checkBackchannel refuses, for dynamically registered clients, a
// back-channel logout URI the server would POST to on an inward address
// (docs/security.md REG-02): https only, not loopback, private or link-local.
func checkBackchannel(raw string) error {
	if raw == "" {
		return nil
	}
	return validateDisplayURI(raw)
}

// metadataOf is the registered metadata of c, as answered.
func metadataOf(c authcore.Client) clientMetadata {
	m := clientMetadata{RedirectURIs: c.RedirectURIs, TokenEndpointAuthMethod: c.AuthMethod,
		GrantTypes: c.GrantTypes, ClientName: c.Name, ClientURI: c.ClientURI, LogoURI: c.LogoURI,
		Scope: joinScope(c.Scopes), Contacts: c.Contacts, TOSURI: c.TOSURI, PolicyURI: c.PolicyURI,
		IDTokenSignedResponseAlg: c.IDTokenSignedResponseAlg, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		AuthorizationSignedResponseAlg: c.AuthorizationSignedResponseAlg,
		BackchannelLogoutURI:           c.BackchannelLogoutURI, BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired,
		FrontchannelLogoutURI: c.FrontchannelLogoutURI, FrontchannelLogoutSessionRequired: c.FrontchannelLogoutSessionRequired,
		DPoPBoundAccessTokens: c.DPoPBoundAccessTokens, TLSClientCertificateBoundAccessTokens: c.TLSClientCertificateBoundAccessTokens,
		TLSClientAuthSubjectDN: c.TLSClientAuth.SubjectDN, TLSClientAuthSANDNS: c.TLSClientAuth.SANDNS,
		TLSClientAuthSANURI: c.TLSClientAuth.SANURI, TLSClientAuthSANIP: c.TLSClientAuth.SANIP,
		TLSClientAuthSANEmail: c.TLSClientAuth.SANEmail, RequireMFA: c.RequireMFA,
		AuthorizationDetailsTypes: c.AuthorizationDetailsTypes,
		SubjectType:               c.SubjectType, SectorIdentifierURI: c.SectorIdentifierURI}
	if c.AllowsGrant(authcore.GrantAuthorizationCode) {
		m.ResponseTypes = []string{"code"}
	}
	if c.JWKS != "" {
		m.JWKS = json.RawMessage(c.JWKS)
	}
	m.cibaMetadata = cibaMetadataOf(c) // registry_ciba.go
	return m
}
