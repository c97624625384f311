package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/latchkey/latchkey/authcore"
)

// authMethods are the client authentication methods implemented at the
// token and revocation endpoints; introspection takes the confidential
// ones (introspectionAuthMethods).
var authMethods = []string{authcore.AuthSecretBasic, authcore.AuthSecretPost, authcore.AuthPrivateKeyJWT, authcore.AuthNone}

// introspectionAuthMethods are the methods /introspect accepts (RFC 7662
// §2.1: confidential clients only).
var introspectionAuthMethods = []string{authcore.AuthSecretBasic, authcore.AuthSecretPost, authcore.AuthPrivateKeyJWT}

// Metadata returns the authorization server metadata (RFC 8414 §2),
// listing exactly what this server implements. The OIDC discovery document
// extends it. scopes_supported comes from the scope registry; if the store
// fails it is left out (and the failure logged).
func (s *Server) Metadata(ctx context.Context) map[string]any {
	iss := s.cfg.Issuer
	m := map[string]any{
		"issuer":                                         iss,
		"authorization_endpoint":                         iss + "/authorize",
		"token_endpoint":                                 iss + "/token",
		"revocation_endpoint":                            iss + "/revoke",
		"introspection_endpoint":                         iss + "/introspect",
		"jwks_uri":                                       iss + "/jwks.json",
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       ResponseModes(),
		"authorization_signing_alg_values_supported":     s.signingAlgs(), // JARM §5
		"grant_types_supported":                          []string{authcore.GrantAuthorizationCode, authcore.GrantClientCredentials, authcore.GrantRefreshToken, authcore.GrantTokenExchange},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          authMethods,
		"revocation_endpoint_auth_methods_supported":     authMethods,
		"introspection_endpoint_auth_methods_supported":  introspectionAuthMethods,
		"authorization_response_iss_parameter_supported": true,
	}
	s.cibaMetadata(m) // CIBA: metadata_ciba.go

	s.federationMetadata(m)   // jwt-bearer, token_exchange_external.go
	s.bindingMetadata(m)      // DPoP, mTLS, registration: metadata_binding.go
	s.parMetadata(m)          // PAR, JAR, device grant: metadata_par.go
	s.detailsMetadata(ctx, m) // RFC 9396 types: rar_admin.go
	// private_key_jwt signing algorithms (RFC 8414 §2), clientauth_jwt.go.
	for _, ep := range []string{"token", "revocation", "introspection"} {
		m[ep+"_endpoint_auth_signing_alg_values_supported"] = AssertionAlgorithms()
	}
	scopes, err := s.store.ListScopes(ctx)
	if err != nil {
		s.log.Error().Err(err).Msg("oauth: metadata: list scopes")
		return m
	}
	names := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		names = append(names, sc.Name)
	}
	sort.Strings(names)
	m["scopes_supported"] = names
	return m
}

// handleMetadata is GET /.well-known/oauth-authorization-server (RFC 8414
// §3). It may be cached briefly; it holds no secret.
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	m := s.Metadata(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(m)
}
