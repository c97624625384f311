// Package jws splits and decodes compact JWS (RFC 7515 §7.1) strictly,
// for every verifier in Latchkey that reads a JWT it did not sign itself
// through keys.Manager: the gateway's access tokens, DPoP proofs (RFC
// 9449 §4.3) and federation's external ID tokens. It verifies nothing: the caller finds the key and
// checks the signature over SigningString.
//
// The checks it makes are those that must come before any trust: a size
// and shape pre-check before any allocation (CVE-2025-30204,
// CVE-2025-27144), canonical base64url, no duplicate JSON member at any
// depth and bounded nesting, and the refusal of the header members that
// change how a JWS is processed (crit, b64, zip, enc).
//
// It imports only the standard library, so any authcore package may use
// it.
package jws
