package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

const restoreUsage = `Usage: latchkey restore --from FILE --data DIR [--store postgres://...]

Restores a backup written by latchkey backup into DIR, which must be
empty but for its encryption.key: the store (into DIR/store, or into the
empty PostgreSQL database --store names for a backup of one) and the
audit log (DIR/audit). The data-encryption key is the one the backup was
sealed with: copy the old DIR/encryption.key into DIR first (mode 0600),
or give $LATCHKEY_ENCRYPTION_KEY or --encryption-key-file. Then it
verifies the result: the records per kind against the backup's manifest,
and the audit log's hash chain and indexes (as latchkey audit verify).
A restore that fails removes what it wrote in DIR.
`

// runRestore runs `latchkey restore`.
func runRestore(args []string, env Env) error {
	c, from, log, err := fileCommand("restore", restoreUsage, "from", "the backup file to restore", args, env) // backup.go
	if err != nil {
		return err
	}
	if err := emptyDataDir(c.data); err != nil {
		return err
	}
	if c.keyFile == "" && os.Getenv("LATCHKEY_ENCRYPTION_KEY") == "" {
		if _, err := os.Stat(filepath.Join(c.data, encryptionKeyFile)); err != nil {
			return fmt.Errorf("restore: the backup is sealed with the installation's data-encryption key: copy the old %s into %s (mode 0600), or give $LATCHKEY_ENCRYPTION_KEY or --encryption-key-file", encryptionKeyFile, c.data)
		}
	}
	key, err := c.storeKey(c.data, log)
	if err != nil {
		return err
	}
	f, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	m, err := restoreInto(c, key, log, f)
	if err != nil {
		for _, p := range []string{"store", "audit", storeMarkerFile} {
			_ = os.RemoveAll(filepath.Join(c.data, p))
		}
		return err
	}
	r, err := verifyRestored(c, key, log, m)
	if err != nil {
		return err
	}
	printManifest(env.Stdout, m)
	fmt.Fprintf(env.Stdout, "verified\trecords match the manifest; audit chain intact (%d events checked, %d index entries)\n", r.Checked, r.Indexed)
	return nil
}

// emptyDataDir refuses a data directory that holds anything but its
// encryption key, creating it if missing.
func emptyDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, e := range ents {
		if e.Name() != encryptionKeyFile {
			return fmt.Errorf("restore: %s is not empty (it holds %s): restore into an empty directory; nothing was changed", dir, e.Name())
		}
	}
	return nil
}

// restoreInto writes the backup r into the store c names and DIR/audit.
func restoreInto(c *common, key []byte, log zerolog.Logger, r io.Reader) (backupManifest, error) {
	ctx := context.Background()
	sink := restoreSink{audit: func(ar *auditReader) (auditTally, error) {
		if c.store != "" {
			return restoreAuditPostgres(ctx, c, key, log, ar)
		}
		var t auditTally
		head, n, err := audit.Restore(ctx, audit.Options{Dir: filepath.Join(c.data, "audit"), Logger: &log, EncryptionKey: key}, ar)
		t.add("", head, n)
		return t, err
	}}
	if c.store == "" {
		sink.badger = func(next func() (badger.Entry, error)) (map[string]int, error) {
			st, err := badger.Open(badger.Options{Dir: filepath.Join(c.data, "store"), EncryptionKey: key, Logger: log,
				Marker: filepath.Join(c.data, storeMarkerFile)})
			if err != nil {
				return nil, fmt.Errorf("restore: %w", err)
			}
			counts, err := st.Restore(ctx, next)
			return counts, errors.Join(err, st.Close())
		}
	} else {
		sink.snapshot = func(s authcore.Snapshot) (map[string]int, error) {
			st, err := c.openStore(c.data, key, true, log, badgerExtras{})
			if err != nil {
				return nil, fmt.Errorf("restore: %w", err)
			}
			defer st.Close()
			im, ok := st.(authcore.Importer)
			if !ok {
				return nil, fmt.Errorf("restore: the store %T cannot take a whole snapshot", st)
			}
			if err := im.Import(ctx, s); err != nil {
				return nil, fmt.Errorf("restore: %w; nothing was written to the database", err)
			}
			return countMap(s), nil
		}
	}
	return readBackup(r, key, sink)
}

// verifyRestored opens what restore wrote, as a server would, and checks
// it: the records per kind against the manifest, and the audit log's
// chain and indexes.
func verifyRestored(c *common, key []byte, log zerolog.Logger, m backupManifest) (audit.VerifyResult, error) {
	ctx := context.Background()
	var counts map[string]int
	st, err := c.openStore(c.data, key, false, log, badgerExtras{})
	if err != nil {
		return audit.VerifyResult{}, fmt.Errorf("restore: reopen the store: %w", err)
	}
	if b, ok := st.(*badger.Store); ok {
		counts, err = b.Counts()
	} else if ex, ok := st.(authcore.Exporter); ok {
		var s authcore.Snapshot
		if s, err = ex.Export(ctx); err == nil {
			counts = countMap(s)
		}
	}
	err = errors.Join(err, st.Close())
	if err != nil {
		return audit.VerifyResult{}, fmt.Errorf("restore: count the restored records: %w", err)
	}
	for k, n := range m.Counts {
		if counts[k] != n {
			return audit.VerifyResult{}, fmt.Errorf("restore: the restored store holds %d %s, the backup's manifest %d", counts[k], k, n)
		}
	}
	alog, closeAudit, err := openRestoredAudit(c, key, log)
	if err != nil {
		return audit.VerifyResult{}, fmt.Errorf("restore: reopen the audit log: %w", err)
	}
	defer closeAudit()
	r, err := alog.Verify(ctx)
	switch {
	case err != nil:
		return r, fmt.Errorf("restore: %w", err)
	case !r.OK:
		return r, fmt.Errorf("restore: the restored audit log does not verify: %s at seq %d: %s", r.Problem, r.Seq, r.Detail)
	case len(m.AuditChains) > 0:
		return r, checkRestoredHeads(ctx, alog, m.AuditChains)
	case r.Last != m.AuditHead.Seq:
		return r, fmt.Errorf("restore: the restored audit log ends at seq %d, the backup's manifest at %d", r.Last, m.AuditHead.Seq)
	}
	return r, nil
}
