// Package federation makes Latchkey trust external OpenID providers
// (OIDC Core 1.0): it keeps their records (authcore.IdentityProvider),
// reads their discovery documents and JWKS (cached per Cache-Control,
// refetched on an unknown kid at most once per MinRefetch, RFC 8725
// §3.10), validates their ID tokens completely (OIDC Core §3.1.3.7,
// RFC 8725), bounds replay of each token by its jti through
// authcore.Nonces, and maps the external (iss, sub) to a stable local
// user, linked once and never merged by email.
//
// Three consumers use a validated identity:
//
//   - token exchange of an external ID token at /token (RFC 8693 §2.1,
//     subject_token_type urn:ietf:params:oauth:token-type:id_token) and
//   - the JWT bearer grant (RFC 7523 §2.1), both in authcore/oauth
//     through its Federation interface, which Service satisfies;
//   - brokered login: the login page offers "Continue with <provider>",
//     and Service runs the authorization code flow with PKCE (RFC 7636),
//     state and nonce at the provider as a confidential client, then
//     signs the user in through a SessionStarter (login.Manager) and
//     continues the original authorization request.
//
// The package imports only the authcore root and audit; the server wires
// it to oauth and login.
package federation
