package oidc

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/latchkey/latchkey/authcore"
)

// Discovery returns the OpenID Provider metadata (OIDC Discovery 1.0
// §3): the OAuth metadata (RFC 8414 §2) extended with the OpenID
// endpoints and capabilities. Every value states what this server does;
// id_token_signing_alg_values_supported comes from the key manager and
// never holds none.
func (p *Provider) Discovery(ctx context.Context) map[string]any {
	m := map[string]any{}
	if p.cfg.Metadata != nil {
		for k, v := range p.cfg.Metadata(ctx) {
			m[k] = v
		}
	}
	iss := p.cfg.Issuer
	algs := slices.DeleteFunc(slices.Clone(p.cfg.Algorithms()), func(a string) bool { return a == "none" })
	for k, v := range map[string]any{
		"issuer":                                         iss,
		"authorization_endpoint":                         iss + "/authorize",
		"token_endpoint":                                 iss + "/token",
		"userinfo_endpoint":                              iss + "/userinfo",
		"jwks_uri":                                       iss + "/jwks.json",
		"end_session_endpoint":                           iss + "/end_session",
		"response_types_supported":                       []string{"code"},
		"subject_types_supported":                        []string{authcore.SubjectPublic, authcore.SubjectPairwise}, // OIDC Core §8
		"id_token_signing_alg_values_supported":          algs,
		"code_challenge_methods_supported":               []string{"S256"},
		"claims_supported":                               ClaimsSupported(),
		"claim_types_supported":                          []string{"normal"},
		"claims_parameter_supported":                     true,
		"prompt_values_supported":                        []string{"none", "login", "consent", "select_account"},
		"acr_values_supported":                           authcore.ACRValues,
		"backchannel_logout_supported":                   true,
		"backchannel_logout_session_supported":           true,
		"frontchannel_logout_supported":                  p.frontchannelSupported(), // frontchannel.go
		"frontchannel_logout_session_supported":          p.frontchannelSupported(),
		"authorization_response_iss_parameter_supported": true,
	} {
		m[k] = v
	}
	// Request objects, request_uri and the response modes are what the
	// OAuth metadata says (oauth.Server: JAR by value, PAR URNs,
	// form_post and JARM); without it, false and query alone.
	for _, k := range []string{"request_parameter_supported", "request_uri_parameter_supported"} {
		if _, ok := m[k]; !ok {
			m[k] = false
		}
	}
	if _, ok := m["response_modes_supported"]; !ok {
		m["response_modes_supported"] = []string{"query"}
	}
	if scopes, ok := m["scopes_supported"].([]string); ok && !slices.Contains(scopes, "openid") {
		m["scopes_supported"] = append([]string{"openid"}, scopes...)
	} else if !ok {
		m["scopes_supported"] = []string{"openid", "profile", "email"}
	}
	return m
}

// ServeDiscovery serves GET /.well-known/openid-configuration (OIDC
// Discovery 1.0 §4). It may be cached briefly; it holds no secret.
func (p *Provider) ServeDiscovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(p.Discovery(r.Context()))
}
