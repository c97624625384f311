// Package egress guards the server's outbound HTTP requests to URLs that
// clients registered (back-channel logout URIs, and any later fetch of a
// client-named URL): an SSRF guard (RFC 9700 §4.13 spirit, docs/security.md
// REG-02, requirement 10). The check runs at dial time on the address a
// name resolved to, so a DNS name that points at loopback, a private or
// link-local range, the unspecified address, or any address of the
// machine's own interfaces (a public one reaches the server's own
// listeners as loopback does) is refused however it is spelled, and a
// rebinding between check and connect is impossible. An
// administrator may allow private targets (a client on the same LAN).
//
// The package imports only the standard library, so every authcore
// subpackage that sends requests may share it (authcore/layering_test.go).
package egress
