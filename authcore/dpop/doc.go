// Package dpop validates DPoP proofs (RFC 9449): the checks of §4.3 that
// need nothing but the proof and the request, shared by the authorization
// server's token endpoint (authcore/oauth) and the resource server
// (authcore/gateway), and Enforcer, the one check of an access token's
// sender constraint (RFC 9449 §7, RFC 8705 §3) that /userinfo, the gateway
// and the console API share. What depends on the caller, the caller
// passes in: the token's binding (§6, §7.1) and the jti replay cache
// (§11.1; ReplayCache is an in-memory one). Server nonces (§8, §9) stay
// with the token endpoint.
//
// The package imports only the standard library and the JOSE libraries.
package dpop
