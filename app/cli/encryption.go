package cli

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"
)

// encryptionKeyFile is where a data directory keeps its at-rest key when
// LATCHKEY_ENCRYPTION_KEY does not supply one.
const encryptionKeyFile = "encryption.key"

// encryptionKey returns the AES-256 key the store and the audit log are
// encrypted with (Badger's own encryption at rest):
//
//   - $LATCHKEY_ENCRYPTION_KEY, 32 bytes as hex or base64, when set;
//   - else dataDir/encryption.key, which must be readable by its owner
//     only (Latchkey refuses to start otherwise);
//   - else, for a new data directory, a fresh random key written there
//     with mode 0600.
//
// A data directory created before encryption existed has neither; it is
// opened unencrypted, with a warning.
func encryptionKey(dataDir string, log zerolog.Logger) ([]byte, error) {
	if v := strings.TrimSpace(os.Getenv("LATCHKEY_ENCRYPTION_KEY")); v != "" {
		k, err := decodeKey(v)
		if err != nil {
			return nil, fmt.Errorf("$LATCHKEY_ENCRYPTION_KEY: %w", err)
		}
		return k, nil
	}
	path := filepath.Join(dataDir, encryptionKeyFile)
	fi, err := os.Stat(path)
	switch {
	case err == nil:
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("refusing to start: the encryption key file %s is readable by others (mode %04o); run chmod 600 %s", path, perm, path)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		k, err := decodeKey(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return k, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dataDir, "store")); err == nil {
		if storeEncrypted(filepath.Join(dataDir, "store")) {
			return nil, fmt.Errorf("the store in %s is encrypted but its key is missing: restore %s from your backup, or set $LATCHKEY_ENCRYPTION_KEY", dataDir, path)
		}
		log.Warn().Str("data", dataDir).Msg("this data directory was created without encryption at rest; its store stays unencrypted")
		return nil, nil
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return k, nil
}

// decodeKey accepts 32 bytes as hex or (raw or padded, std or URL) base64.
func decodeKey(v string) ([]byte, error) {
	if k, err := hex.DecodeString(v); err == nil && len(k) == 32 {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(v); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	return nil, errors.New("want 32 bytes, as 64 hex digits or base64")
}

// storeEncrypted reports whether the Badger store in dir was written with
// an encryption key: its KEYREGISTRY then holds Badger's sanity text
// encrypted (after a 16-byte IV), not in clear. A store without a
// KEYREGISTRY says nothing and counts as unencrypted; opening it tells.
func storeEncrypted(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "KEYREGISTRY"))
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 16+len(badgerSanity))
	if _, err := io.ReadFull(f, head); err != nil {
		return false
	}
	return string(head[16:]) != badgerSanity
}

// badgerSanity is the text Badger writes into KEYREGISTRY to check the key
// (badger/v4 key_registry.go); TestEncryptionKeyMissing fails if it changes.
const badgerSanity = "Hello Badger"
