package login

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

// readRand fills b from the configured source under its lock.
func (m *Manager) readRand(b []byte) error {
	m.randMu.Lock()
	defer m.randMu.Unlock()
	if _, err := io.ReadFull(m.rand, b); err != nil {
		return fmt.Errorf("login: read random: %w", err)
	}
	return nil
}

// randomString returns n random bytes, base64url without padding.
func (m *Manager) randomString(n int) (string, error) {
	b := make([]byte, n)
	if err := m.readRand(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newUserID returns a random UUID (version 4, RFC 9562 §5.4), the stable
// subject identifier of a new user.
func (m *Manager) newUserID() (string, error) {
	b := make([]byte, 16)
	if err := m.readRand(b); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// HashPassword hashes password with the configured argon2id parameters
// and source of randomness (see the package function HashPassword). It
// does not check the password policy.
func (m *Manager) HashPassword(password string) (string, error) {
	salt := make([]byte, m.cfg.PasswordParams.SaltLen)
	if err := m.readRand(salt); err != nil {
		return "", err
	}
	release, err := m.acquireHash(context.Background())
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(bytes.NewReader(salt), password, m.cfg.PasswordParams)
}

// verify runs VerifyPassword within the concurrency bound.
func (m *Manager) verify(ctx context.Context, encoded, password string) (bool, error) {
	release, err := m.acquireHash(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return VerifyPassword(encoded, password)
}

// acquireHash waits for a free hashing slot or for ctx to end.
func (m *Manager) acquireHash(ctx context.Context) (func(), error) {
	select {
	case m.hashSem <- struct{}{}:
		return func() { <-m.hashSem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
