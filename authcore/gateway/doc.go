// Package gateway is Latchkey's resource server: an HTTP reverse proxy that
// puts the authorization server's access tokens to work in front of real
// APIs. It verifies, enforces, limits and proxies; it never issues tokens.
//
// A Gateway holds an immutable table of Routes (path prefix, optional host
// and methods -> upstream URL or in-process handler). For each request it:
//
//  1. matches a route (404, 405) and answers CORS preflights for explicit
//     origins only;
//  2. applies the per-IP token bucket (429 with Retry-After and the
//     RateLimit-* headers);
//  3. takes the access token from the Authorization header (RFC 6750
//     §2.1, OAuth 2.1 §5.1), or from a form body of at most 64 KiB on a
//     route with FormTokens (§2.2): a query access_token is ignored, two
//     Authorization headers or a token in both header and form body are
//     invalid_request (RFC 6750 §2, §3.1). Without FormTokens the body is
//     never read before the request is authorised: it streams upstream;
//  4. verifies the JWT locally (RFC 9068 §4, RFC 8725 §3): bounded
//     pre-checks before any parsing, typ at+jwt, an algorithm allow-list
//     bound to the key from the issuer's JWKS (never none, never HMAC,
//     never a key named by jku/x5u/jwk/x5c), exact iss, aud containing the
//     route's audience, exp/nbf/iat with a small leeway, and fails closed
//     on every error (CVE-2024-51744);
//  5. checks sender constraints: DPoP proofs for cnf.jkt tokens (RFC 9449
//     §4.3, §7.1) and the client certificate for cnf.x5t#S256 (RFC 8705
//     §3);
//  6. checks revocation through a Revocations (the store when embedded, a
//     FeedClient of the server's revocation feed when standalone) and, for
//     opaque tokens and routes marked introspect, RFC 7662 introspection;
//  7. enforces allowed clients and scopes (403 insufficient_scope naming
//     the scope, RFC 6750 §3.1), the per-client token bucket and the body
//     limit;
//  8. proxies with httputil.ReverseProxy, passing the verified identity in
//     X-Auth-Subject, X-Auth-Client and X-Auth-Scopes (incoming copies are
//     always removed) and in the request context (IdentityFrom); headers
//     a client could use to state its address, URL or method to the
//     upstream (X-Real-IP, Forwarded, X-Original-URL, ...) are removed
//     first (headers.go).
//
// Errors follow RFC 6750 §3 and RFC 9449 §7.1: a WWW-Authenticate challenge
// and a JSON body {"error", "error_description"} that tells the caller what
// to fix and never carries upstream or key detail. Every denial is recorded
// as audit.GatewayDenied (rate limits as audit.RateLimitHit) and counted
// per route (Stats, Metrics).
//
// The revocation feed has both sides here: FeedHandler serves
// Server-Sent Events of revoked jtis to authenticated gateways and
// FeedClient keeps the set in memory, so a revocation reaches a standalone
// gateway well within a second.
//
// DemoAPI and DemoRoutes are the small protected API the embedded gateway
// serves on the server's own listener; LoadConfig reads a standalone
// gateway's JSON or YAML file.
package gateway
