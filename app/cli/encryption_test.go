package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore/store/badger"
)

// Deleting encryption.key (issue 17): the error says the key is missing,
// and no warning claims the store was created without encryption.
func TestEncryptionKeyMissing(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := runCLI(t, "", "scope", "list", "--data", data); code != 0 {
		t.Fatal(errOut)
	}
	if err := os.Remove(filepath.Join(data, encryptionKeyFile)); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	_, err := encryptionKey(data, zerolog.New(&logs))
	if err == nil || !strings.Contains(err.Error(), "encrypted but its key is missing") {
		t.Errorf("want the missing-key error, got %v", err)
	}
	if logs.Len() > 0 {
		t.Errorf("a misleading warning came first: %s", logs.String())
	}
}

// A store made without encryption (before it existed) still opens, with
// the warning.
func TestUnencryptedStoreWarns(t *testing.T) {
	data := t.TempDir()
	st, err := badger.Open(badger.Options{Dir: filepath.Join(data, "store")})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	var logs bytes.Buffer
	key, err := encryptionKey(data, zerolog.New(&logs))
	if err != nil || key != nil || !strings.Contains(logs.String(), "without encryption at rest") {
		t.Errorf("unencrypted store: key %x, %v, log %s", key, err, logs.String())
	}
}
