// Package flow is the engine of Latchkey's flow tester: a real OAuth 2.1 /
// OpenID Connect client that runs one flow step by step against Latchkey or
// any other issuer and records everything it did in a Trace.
//
// Run first reads the issuer's metadata (OpenID Connect Discovery, falling
// back to RFC 8414), then runs the chosen flow:
//
//   - authorization_code: PKCE with S256, state and nonce, an RFC 8252
//     loopback redirect listener on 127.0.0.1, the iss check of RFC 9207,
//     the code exchange and the ID token's claims (iss, aud, exp, azp,
//     nonce, and at_hash against the access token);
//   - client_credentials (OAuth 2.1 §4.2);
//   - refresh: one refresh, then the spent refresh token presented again to
//     show reuse detection, then the successor to show the family was
//     revoked (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2);
//   - device: RFC 8628 device authorization, polling with interval and
//     slow_down;
//   - token_exchange (RFC 8693), introspect (RFC 7662), revoke (RFC 7009),
//     userinfo (OIDC Core §5.3) and call_api (a bearer call to a gateway
//     route, RFC 6750);
//   - federation: sign in at an external OpenID provider (its own
//     discovery, code flow with PKCE and nonce, ID token verified against
//     its JWKS), exchange that ID token at Latchkey (RFC 8693 with
//     subject_token_type id_token), and call a gateway route with the
//     access token Latchkey issued;
//   - ciba: OpenID Connect CIBA in poll mode (/bc-authorize with a
//     login_hint, the user approves elsewhere, polling with interval and
//     slow_down).
//
// Options.AuthorizationDetails sends RFC 9396 authorization_details with
// the code flow and client credentials; the token step compares the grant
// with the request and the access token's claim (rar.go). The ID token's
// sub is explained as pairwise or public and checked against the access
// token and userinfo (subject.go).
//
// Every HTTP exchange is a Step with its request, response, timing and the
// checks it made. Secrets (client secrets, Authorization values, PKCE
// verifiers, codes and tokens) are masked in the trace unless
// Options.RevealSecrets is set. JWTs are decoded and their signatures
// verified against the issuer's JWKS. Lint turns a trace into findings
// against OAuth 2.1 and RFC 9700, each citing its section; a Trace exports
// as JSON or as curl commands; SavedFlow keeps a flow's parameters on disk.
//
// The package holds no global state: the HTTP client, clock, randomness,
// sleep and browser are injected through Options.
package flow
