package app

import (
	"strings"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/federation"
)

// IdentityProvider is a trusted external OpenID provider as the console
// shows it: never its client secret, only whether one is set.
type IdentityProvider struct {
	ID           string   `json:"id"`
	Issuer       string   `json:"issuer"`
	DisplayName  string   `json:"display_name"`
	ClientID     string   `json:"client_id,omitempty"`
	HasSecret    bool     `json:"has_client_secret"`
	Audiences    []string `json:"audiences"`
	Algorithms   []string `json:"algorithms"`
	SubClaim     string   `json:"sub_claim,omitempty"`
	EmailClaim   string   `json:"email_claim,omitempty"`
	NameClaim    string   `json:"name_claim,omitempty"`
	GroupsClaim  string   `json:"groups_claim,omitempty"`
	Scopes       []string `json:"scopes"`
	Resources    []string `json:"resources"`
	Provisioning string   `json:"provisioning"`
	Enabled      bool     `json:"enabled"`
	// TrustAuthContext carries the provider's acr/amr into Latchkey's
	// sessions and tokens.
	TrustAuthContext bool   `json:"trust_auth_context"`
	RedirectURI      string `json:"redirect_uri"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
}

// IdentityProviderSpec is a provider to add, or (UpdateIdentityProvider)
// the fields to change: nil pointers and nil lists are left as they are.
type IdentityProviderSpec struct {
	ID           string   `json:"id,omitempty"`
	Issuer       *string  `json:"issuer,omitempty"`
	DisplayName  *string  `json:"display_name,omitempty"`
	ClientID     *string  `json:"client_id,omitempty"`
	ClientSecret *string  `json:"client_secret,omitempty"`
	Audiences    []string `json:"audiences,omitempty"`
	Algorithms   []string `json:"algorithms,omitempty"`
	SubClaim     *string  `json:"sub_claim,omitempty"`
	EmailClaim   *string  `json:"email_claim,omitempty"`
	NameClaim    *string  `json:"name_claim,omitempty"`
	GroupsClaim  *string  `json:"groups_claim,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	Resources    []string `json:"resources,omitempty"`
	Provisioning *string  `json:"provisioning,omitempty"`
	Enabled      *bool    `json:"enabled,omitempty"`
	// TrustAuthContext: see IdentityProvider.
	TrustAuthContext *bool `json:"trust_auth_context,omitempty"`
}

// apply changes p by the fields spec sets.
func (spec IdentityProviderSpec) apply(p authcore.IdentityProvider) authcore.IdentityProvider {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Issuer, spec.Issuer)
	set(&p.DisplayName, spec.DisplayName)
	set(&p.ClientID, spec.ClientID)
	set(&p.ClientSecret, spec.ClientSecret)
	set(&p.Claims.Subject, spec.SubClaim)
	set(&p.Claims.Email, spec.EmailClaim)
	set(&p.Claims.Name, spec.NameClaim)
	set(&p.Claims.Groups, spec.GroupsClaim)
	set(&p.Provisioning, spec.Provisioning)
	for _, l := range []struct{ dst, v *[]string }{{&p.Audiences, &spec.Audiences}, {&p.Algorithms, &spec.Algorithms},
		{&p.Scopes, &spec.Scopes}, {&p.Resources, &spec.Resources}} {
		if *l.v != nil {
			*l.dst = *l.v
		}
	}
	if spec.Enabled != nil {
		p.Enabled = *spec.Enabled
	}
	if spec.TrustAuthContext != nil {
		p.TrustAuthContext = *spec.TrustAuthContext
	}
	return p
}

func (a *App) idpDTO(p authcore.IdentityProvider) IdentityProvider {
	algs := p.Algorithms
	if len(algs) == 0 {
		algs = authcore.DefaultFederationAlgorithms
	}
	return IdentityProvider{ID: p.ID, Issuer: p.Issuer, DisplayName: p.DisplayName, ClientID: p.ClientID,
		HasSecret: p.ClientSecret != "", Audiences: nonNil(p.Audiences), Algorithms: algs,
		SubClaim: p.Claims.Subject, EmailClaim: p.Claims.Email, NameClaim: p.Claims.Name, GroupsClaim: p.Claims.Groups,
		Scopes: nonNil(p.Scopes), Resources: nonNil(p.Resources), Provisioning: p.Provisioning, Enabled: p.Enabled,
		TrustAuthContext: p.TrustAuthContext,
		RedirectURI:      a.srv.Issuer + federation.CallbackPath, CreatedAt: stamp(p.CreatedAt), UpdatedAt: stamp(p.UpdatedAt)}
}

// idpError turns a validation failure into a 400 for the console.
func idpError(err error) error {
	if msg, ok := authcore.PublicMessage(err, federation.ErrInvalidProvider); ok {
		return invalid(msg)
	}
	return err
}

// ListIdentityProviders returns the trusted external providers, by ID.
func (a *App) ListIdentityProviders() ([]IdentityProvider, error) {
	ps, err := a.srv.Federation.Providers(a.ctx("idp.list"))
	if err != nil {
		return nil, err
	}
	out := make([]IdentityProvider, 0, len(ps))
	for _, p := range ps {
		out = append(out, a.idpDTO(p))
	}
	return out, nil
}

// GetIdentityProvider returns provider id.
func (a *App) GetIdentityProvider(id string) (IdentityProvider, error) {
	p, err := a.srv.Federation.Provider(a.ctx("idp.show"), id)
	if err != nil {
		return IdentityProvider{}, err
	}
	return a.idpDTO(p), nil
}

// AddIdentityProvider registers a trusted external provider.
func (a *App) AddIdentityProvider(spec IdentityProviderSpec) (IdentityProvider, error) {
	ctx := a.ctx("idp.add")
	p, err := a.srv.Federation.AddProvider(ctx, spec.apply(authcore.IdentityProvider{ID: spec.ID}))
	if err != nil {
		return IdentityProvider{}, idpError(err)
	}
	a.adminAction(ctx, "idp.add", p.ID)
	return a.idpDTO(p), nil
}

// UpdateIdentityProvider changes the fields spec sets on provider id.
func (a *App) UpdateIdentityProvider(id string, spec IdentityProviderSpec) (IdentityProvider, error) {
	ctx := a.ctx("idp.update")
	p, err := a.srv.Federation.UpdateProvider(ctx, id, func(p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		return spec.apply(p), nil
	})
	if err != nil {
		return IdentityProvider{}, idpError(err)
	}
	a.adminAction(ctx, "idp.update", id)
	return a.idpDTO(p), nil
}

// RemoveIdentityProvider deletes provider id; its users and their links
// stay.
func (a *App) RemoveIdentityProvider(id string) error {
	ctx := a.ctx("idp.remove")
	if err := a.srv.Federation.RemoveProvider(ctx, id); err != nil {
		return err
	}
	a.adminAction(ctx, "idp.remove", id)
	return nil
}

// TestIdentityProvider fetches the discovery document and JWKS of
// provider id (or of an issuer URL not yet registered) and reports what
// it found.
func (a *App) TestIdentityProvider(idOrIssuer string) (federation.ConnectionReport, error) {
	ctx := a.ctx("idp.test")
	issuer := idOrIssuer
	if !strings.Contains(idOrIssuer, "://") {
		p, err := a.srv.Federation.Provider(ctx, idOrIssuer)
		if err != nil {
			return federation.ConnectionReport{}, err
		}
		issuer = p.Issuer
	}
	return a.srv.Federation.TestConnection(ctx, issuer)
}
