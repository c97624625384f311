package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/latchkey/latchkey/authcore"
)

// pepperSetting names the per-installation key of client-secret hashes in
// Storage settings.
const pepperSetting = "oauth.client_secret_pepper"

// loadPepper returns the installation's secret-hash pepper, creating it on
// first start. If two processes race, both end up with the stored value.
func (s *Server) loadPepper(ctx context.Context) ([]byte, error) {
	p, err := s.store.GetSetting(ctx, pepperSetting)
	if err == nil && len(p) >= 32 {
		return p, nil
	}
	if err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return nil, fmt.Errorf("oauth: load pepper: %w", err)
	}
	p, err = s.randomBytes(32)
	if err != nil {
		return nil, err
	}
	if err := s.store.PutSetting(ctx, pepperSetting, p); err != nil {
		return nil, fmt.Errorf("oauth: store pepper: %w", err)
	}
	stored, err := s.store.GetSetting(ctx, pepperSetting)
	if err != nil {
		return nil, fmt.Errorf("oauth: reload pepper: %w", err)
	}
	return stored, nil
}

// randomBytes reads n bytes from the configured source.
func (s *Server) randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	s.randMu.Lock()
	_, err := io.ReadFull(s.rand, b)
	s.randMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("oauth: random: %w", err)
	}
	return b, nil
}

// randomToken returns n random bytes, base64url without padding. Codes,
// refresh tokens and secrets use 32 bytes (256 bits, OAuth 2.1 §7.7).
func (s *Server) randomToken(n int) (string, error) {
	b, err := s.randomBytes(n)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newID returns a 128-bit identifier (client ids, grant ids) that starts
// with a letter or digit. base64url's '-' and '_' in first place made an
// id a command line reads as a flag (`latchkey client update -4EW…`); a
// re-draw costs nothing and leaves 16 random bytes behind every id.
func (s *Server) newID() (string, error) {
	for {
		id, err := s.randomToken(16)
		if err != nil || (id[0] != '-' && id[0] != '_') {
			return id, err
		}
	}
}

// hashToken is the storage key of a code or refresh token: hex SHA-256.
// The values have 256 bits of entropy, so a plain hash suffices.
func hashToken(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// hashSecret is the keyed hash stored for a client secret:
// HMAC-SHA256(pepper, secret). Secrets are high entropy, so a slow hash
// would only slow the token endpoint.
func (s *Server) hashSecret(secret string) []byte {
	var sum [sha256.Size]byte
	s.secretMAC(secret, &sum)
	return sum[:]
}

// secretMAC writes HMAC-SHA256(pepper, secret) to sum. Keying an HMAC
// hashes the pepper twice and allocates both states; every client
// authentication needs one, so keyed states are pooled, and reset (to
// the keyed state, nothing of secret left) before they go back.
func (s *Server) secretMAC(secret string, sum *[sha256.Size]byte) {
	m, _ := s.secretMACs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, s.pepper)
	}
	_, _ = io.WriteString(m, secret)
	m.Sum(sum[:0])
	m.Reset()
	s.secretMACs.Put(m)
}

// HashSecret is the server's keyed hash of a high-entropy secret,
// HMAC-SHA256 under the installation's pepper: what client secrets are
// stored as, and what the login package stores recovery codes as.
func (s *Server) HashSecret(secret string) []byte { return s.hashSecret(secret) }

// secretMatches compares secret with the client's current secret and,
// during a rotation's grace period, the previous one, in constant time.
func (s *Server) secretMatches(c authcore.Client, secret string) bool {
	var sum [sha256.Size]byte
	s.secretMAC(secret, &sum)
	h := sum[:]
	cur := subtle.ConstantTimeCompare(h, c.SecretHash) == 1 && len(c.SecretHash) > 0
	prev := subtle.ConstantTimeCompare(h, c.PrevSecretHash) == 1 && len(c.PrevSecretHash) > 0 &&
		s.now().Before(c.PrevSecretExpires)
	return cur || prev
}
