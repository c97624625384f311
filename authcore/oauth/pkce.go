package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// validPKCEValue reports whether v matches the code_verifier and
// code_challenge ABNF 43*128unreserved, where unreserved is
// ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 7636 §4.1, OAuth 2.1 App. A).
func validPKCEValue(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// s256 is BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// verifyPKCE checks verifier against an S256 challenge in constant time
// (RFC 7636 §4.6).
func verifyPKCE(challenge, verifier string) bool {
	if !validPKCEValue(verifier) || challenge == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(s256(verifier)), []byte(challenge)) == 1
}
