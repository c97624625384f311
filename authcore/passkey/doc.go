// Package passkey runs the WebAuthn ceremonies (W3C Web Authentication
// Level 2) by which a user registers a passkey and signs in with one,
// on top of github.com/go-webauthn/webauthn.
//
// The relying party follows the issuer: its ID is the issuer's host and
// the only accepted origin is the issuer's scheme, host and port, so a
// passkey made for one Latchkey deployment is useless at any other site.
// Browsers refuse IP addresses as relying-party IDs, so passkeys need an
// issuer with a host name; http://localhost:PORT works for development.
//
// Attestation is "none" (WebAuthn §5.4.7): Latchkey does not restrict
// authenticator models. Registration asks for a discoverable credential
// so the same passkey can sign in without a username; a sign-in with a
// passkey alone requires user verification, a second factor after the
// password prefers it.
//
// The package holds no state: Begin* return the options for
// navigator.credentials and an opaque state that the caller keeps (in
// the store, once) until the matching Finish*. Finish* check the sign
// counter (WebAuthn §6.1.1) and the backup flags; a counter that did not
// advance is ErrCloned, and the credential must not be used.
package passkey
