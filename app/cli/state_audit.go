package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/diskguard"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/store/postgres"
)

// openAudit opens the audit log beside st: in the PostgreSQL database
// when st is one (every node records there, one hash chain per --node-id),
// else the data directory's own Badger database.
func (c *common) openAudit(dataDir string, key []byte, st authcore.Storage, guard *diskguard.Guard, ao auditOptions, log zerolog.Logger) (*audit.Log, error) {
	opt := audit.Options{NodeID: c.nodeID, Logger: &log, Retention: ao.retention, Mirror: ao.mirror, PruneWhen: ao.pruneWhen}
	if pg, ok := st.(*postgres.Store); ok {
		alog, err := audit.OpenPostgres(context.Background(), pg.Pool(), opt)
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		return alog, nil
	}
	if err := badger.CheckFiles(filepath.Join(dataDir, "audit"), key); err != nil {
		return nil, fmt.Errorf("audit log: %w; nothing was changed. Restore %s from a backup while Latchkey is stopped (see `latchkey store check`)", err, dataDir)
	}
	opt.Dir, opt.EncryptionKey, opt.Gate = filepath.Join(dataDir, "audit"), key, guard
	alog, err := audit.Open(opt)
	if err != nil {
		if strings.Contains(err.Error(), badgerLockText) {
			return nil, fmt.Errorf("audit log in %s: %w", dataDir, errInUse)
		}
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return alog, nil
}
