// Package jwkset holds the verification keys of a remote issuer: it
// fetches a JWKS (RFC 7517 §5) with a timeout and a size cap, caches it
// per Cache-Control max-age and ETag, refetches on an unknown kid at most
// once per MinRefetch (RFC 8725 §3.10: kid flooding), and reduces it to
// public signing keys each bound to the algorithms it may verify (RFC
// 8725 §3.1). none and HS* are absent from the allow-list by
// construction, so no JWKS and no token header can admit them.
//
// The gateway (the authorization server's access tokens) and federation
// (external providers' ID tokens) share it; where the JWKS is found
// (RFC 8414 or OIDC discovery) stays with them.
package jwkset
