// Package oauth is Latchkey's OAuth 2.1 authorization server: the
// authorization endpoint (GET/POST /authorize), the token endpoint with one
// grant per file, token revocation (RFC 7009), token introspection (RFC
// 7662) and authorization server metadata (RFC 8414). It also owns the
// client and scope registry that the console, the CLI and dynamic
// registration share.
//
// The grants, one file each, dispatched by grant_type from token.go:
//
//   - token_code.go: authorization_code (OAuth 2.1 §4.1.3);
//   - token_client_credentials.go: client_credentials (OAuth 2.1 §4.2);
//   - token_refresh.go: refresh_token (OAuth 2.1 §4.3);
//   - token_device.go: the device authorization grant (RFC 8628 §3.4),
//     whose endpoint is device.go;
//   - token_ciba.go: the CIBA grant (CIBA Core 1.0 §10.1), whose
//     endpoint /bc-authorize is ciba.go (pings: ciba_notify.go);
//   - token_exchange.go: token exchange (RFC 8693) of Latchkey's own
//     tokens, and token_exchange_external.go: of a trusted external
//     provider's ID token (through the Federation interface);
//   - token_jwt_bearer.go: the JWT bearer grant (RFC 7523 §2.1) with an
//     external provider's ID token.
//
// It follows draft-ietf-oauth-v2-1 and RFC 9700 (the security BCP):
//
//   - response_type=code only; PKCE with S256 is mandatory for every
//     client (OAuth 2.1 §4.1.1); plain is refused and not advertised.
//   - Redirect URIs are compared byte for byte (RFC 3986 §6.2.1); only the
//     port of a registered http://127.0.0.1 or http://[::1] redirect may
//     vary (RFC 8252 §7.3). An invalid client_id or redirect_uri shows an
//     error page and never redirects (OAuth 2.1 §4.1.2.1).
//   - Every authorization response carries iss (RFC 9207).
//   - Codes are single use and live 60 s; a wrong PKCE verifier burns the
//     code; a replayed code revokes the grant issued from it (OAuth 2.1
//     §4.1.3, §7.5.2).
//   - Refresh tokens rotate on every use; a spent one presented again
//     revokes its whole family (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2).
//     A FAPI 2.0 confidential client with sender-constrained tokens keeps
//     its refresh token instead (FAPI 2.0 §5.3.2.1-9).
//   - Access tokens are RFC 9068 JWTs (typ at+jwt) signed through Signer;
//     codes, refresh tokens and client secrets are random and stored only as
//     hashes.
//   - Clients authenticate with client_secret_basic, client_secret_post or
//     private_key_jwt (RFC 7523 §2.2, OIDC Core §9): assertions signed by a
//     registered inline JWKS with ES256, PS256, EdDSA or RS256, aud the
//     issuer only, and a jti that Storage.UseOnce makes single use.
//   - Sender-constrained tokens: DPoP proofs at /token (RFC 9449 §4.3,
//     checked by authcore/dpop, jtis single use through Storage.UseOnce,
//     optional server nonces) bind access tokens (cnf.jkt, token_type
//     DPoP), codes requested with dpop_jkt, and public clients' refresh
//     tokens; with mutual TLS (RFC 8705), tls_client_auth and
//     self_signed_tls_client_auth authenticate clients and access tokens
//     carry cnf.x5t#S256. token_bind.go is where a grant learns the
//     binding (tokenRequest.jkt and x5t, senderConstrained).
//   - Dynamic client registration (RFC 7591) and management (RFC 7592),
//     open or behind single-use initial access tokens; the server chooses
//     every id and secret and fetches no URL a client registers.
//
// Errors are Error values written by one function, never with internal
// detail. The package depends on the key manager and the login pages only
// through the Signer and Interaction interfaces declared here.
package oauth
