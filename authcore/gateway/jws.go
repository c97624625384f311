package gateway

// DefaultMaxTokenBytes caps the length of a token (and of a DPoP proof)
// before any parsing (CVE-2025-30204, CVE-2025-27144). Tokens are split
// and decoded by authcore/jws, keys found and bound to algorithms by
// authcore/jwkset.
const DefaultMaxTokenBytes = 8 << 10
