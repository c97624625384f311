package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/store/postgres"
)

// storeFlags choose the store: Badger in the data directory (the
// default), or a PostgreSQL database several nodes share.
type storeFlags struct {
	store   string // --store: "" or a postgres:// URL
	keyFile string // --encryption-key-file
	nodeID  string // --node-id
}

func (s *storeFlags) registerStore(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&s.store, "store", "", "where records live: empty for Badger in the data directory, or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=... for a PostgreSQL database shared by several nodes (the password is never logged or shown)")
	fs.StringVar(&s.nodeID, "node-id", "", "this node's id, in every audit event it records (and its own audit hash chain on a PostgreSQL store), log line, latchkey_node_info metric and heartbeat (the Dashboard's node list); unique per running node and stable across restarts (default: the host name)")
	fs.StringVar(&s.keyFile, "encryption-key-file", "", "file holding the 32-byte data-encryption key (hex or base64); default: $LATCHKEY_ENCRYPTION_KEY, else DATA/encryption.key. Every node on one PostgreSQL store needs the same key")
}

// describeStore names the store for logs and the Dashboard, its password
// masked.
func (s *storeFlags) describeStore(dataDir string) string {
	if s.store == "" {
		return "badger " + filepath.Join(dataDir, "store")
	}
	return postgres.MaskDSN(s.store)
}

// errInUse: the data directory (store or audit log) is held by a running
// server; the CLI then talks to that server instead.
var errInUse = errors.New("in use by another process")

// badgerLockText is what Badger says when another process holds a
// database: the audit log's open reports nothing more specific.
const badgerLockText = "Another process is using this Badger database"

// openStore opens the store the flags name with the data-encryption key.
// migrate applies pending PostgreSQL migrations first.
func (s *storeFlags) openStore(dataDir string, key []byte, migrate bool, log zerolog.Logger, bx badgerExtras) (authcore.Storage, error) {
	switch {
	case s.store == "":
		st, err := badger.Open(badger.Options{Dir: filepath.Join(dataDir, "store"), Logger: log, EncryptionKey: key,
			Gate: bx.gate, Marker: filepath.Join(dataDir, storeMarkerFile), AcceptEmpty: bx.acceptEmpty})
		switch {
		case errors.Is(err, badger.ErrWrongEncryptionKey):
			return nil, fmt.Errorf("%w: the store in %s was encrypted with another key (check $LATCHKEY_ENCRYPTION_KEY or %s)", err, dataDir, encryptionKeyFile)
		case errors.Is(err, badger.ErrStoreLost), errors.Is(err, badger.ErrDamaged):
			return nil, fmt.Errorf("%w; nothing was changed. Restore %s from a backup while Latchkey is stopped (see `latchkey store check`), "+
				"or start with --accept-empty-store to set the damaged files aside and begin with what is left", err, dataDir)
		case err != nil:
			return nil, err
		}
		return st, nil
	case postgres.IsDSN(s.store):
		st, err := postgres.Open(context.Background(), postgres.Options{DSN: s.store, EncryptionKey: key, Migrate: migrate, Logger: log})
		if err != nil {
			return nil, err
		}
		log.Info().Str("store", postgres.MaskDSN(s.store)).Msg("using the PostgreSQL store")
		return st, nil
	}
	return nil, fmt.Errorf("--store: want a postgres:// or postgresql:// URL, or nothing for the data directory's store (got %s)", postgres.MaskDSN(s.store))
}

// badgerExtras are the Badger store's options beyond the key: the disk
// guard (badger.Options.Gate) and --accept-empty-store.
type badgerExtras struct {
	gate        badger.Gate
	acceptEmpty bool
}

// storeKey returns the data-encryption key: --encryption-key-file when
// given, else what encryptionKey finds for the data directory.
func (s *storeFlags) storeKey(dataDir string, log zerolog.Logger) ([]byte, error) {
	if s.keyFile == "" || os.Getenv("LATCHKEY_ENCRYPTION_KEY") != "" {
		return encryptionKey(dataDir, log)
	}
	fi, err := os.Stat(s.keyFile)
	if err != nil {
		return nil, fmt.Errorf("--encryption-key-file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("refusing to start: the encryption key file %s is readable by others (mode %04o); run chmod 600 %s", s.keyFile, perm, s.keyFile)
	}
	raw, err := os.ReadFile(s.keyFile)
	if err != nil {
		return nil, fmt.Errorf("--encryption-key-file: %w", err)
	}
	k, err := decodeKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.keyFile, err)
	}
	return k, nil
}
