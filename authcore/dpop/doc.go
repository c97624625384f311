// Package dpop validates DPoP proofs (RFC 9449): the checks of §4.3 that
// need nothing but the proof and the request, shared by the authorization
// server's token endpoint (authcore/oauth) and the resource server
// (authcore/gateway). What depends on the caller stays with the caller:
// which key the token is bound to (§6, §7.1), the jti replay cache
// (§11.1; ReplayCache is an in-memory one) and server nonces (§8, §9).
//
// The package imports only the standard library and the JOSE libraries.
package dpop
