// Package keys owns Latchkey's signing keys: their lifecycle, the JWKS that
// publishes them, and the signer and verifier every server JWT goes through.
//
// A key lives next -> active -> retired -> removed, or is revoked at any
// point:
//
//   - next: published in the JWKS, not yet signing. Created together with
//     the active key, so relying parties fetch it long before it signs.
//   - active: signs. One per algorithm in use (Config.Algorithms).
//   - retired: published, no longer signing, until every token it signed
//     has expired plus one JWKS cache period (SigningKey.RemoveAfter).
//   - removed: deleted from the store; tokens it signed no longer verify.
//   - revoked: emergency. Out of the JWKS and the verifier at once, its
//     private key wiped from the record; a new key takes over signing.
//
// A rotation is staged: the next key becomes active only once it has been
// published for at least the JWKS max-age (Config.JWKSMaxAge), so a
// relying party that honours Cache-Control always holds a key before it
// sees a token signed with it (RFC 7517 §5, OIDC Core §10.1.1). A rotation
// asked for earlier is scheduled: the next key's ActivatedAt holds the time
// it will be promoted, and Tick promotes it then — also after a restart.
//
// Every lifecycle change is one authcore.Keys.PutSigningKeys call, so a
// crash never leaves the store without a published key that signs
// (docs/security.md RL-06, RL-09). Key IDs are RFC 7638 thumbprints; private
// keys are stored as PKCS#8 DER. Verify binds the algorithm to the key,
// never to the token header, and ignores jku, x5u, jwk and x5c
// (RFC 8725 §3.1, §3.10).
//
// Publication is counted from a key's CreatedAt. A process that serves
// the JWKS must therefore see keys created elsewhere well within
// JWKSMaxAge: Run ticks every minute and each Tick rereads the store.
// Live-token counts (KeyInfo.LiveTokens) are per process and in memory.
//
// Manager keeps the parsed keyset behind an atomic pointer: Sign and
// Verify take no lock that a writer holds. Several processes sharing one
// store see each other's changes through Reload (Tick reloads too).
package keys
