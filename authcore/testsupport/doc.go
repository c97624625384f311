// Package testsupport holds the scaffolding Latchkey's tests share: a
// settable clock, an audit recorder that keeps what it is given, a
// cookie-keeping browser that does not follow redirects, the walk of an
// authorization request through the real login and consent pages, a DPoP
// key that signs proofs, and an unverified JWT decoder.
//
// It is for tests only: no non-test file may import it (authcore's
// layering test checks that), and it imports nothing of Latchkey but
// audit, so that the internal tests of any package (login, keys) may use
// it without an import cycle. Starting a real server lives beside the
// server, in authcore/server/servertest.
package testsupport
