package flow

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// random returns n random bytes from the run's source, base64url-encoded.
func (r *runner) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r.o.Rand, b); err != nil {
		return "", fmt.Errorf("flow: randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// challengeS256 is the RFC 7636 §4.2 S256 code challenge of verifier.
func challengeS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
