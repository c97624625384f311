package cli

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore/store/badger"
)

const backupUsage = `Usage: latchkey backup --to FILE [--data DIR] [--store postgres://...]

Writes a consistent backup of the installation in DIR while it runs: the
store (Badger: every record of one read-only transaction; PostgreSQL: one
REPEATABLE READ read of every table) and the audit log, encrypted with
the installation's data-encryption key (AES-256-GCM), with a manifest of
the records per kind and the audit log's chain head. When a server holds
DIR, the backup is taken by that server over its loopback admin port.
The file is read back and checked before it is named FILE. Keep the
data-encryption key (DIR/encryption.key or $LATCHKEY_ENCRYPTION_KEY)
apart from the backups: without it a backup cannot be read.
`

// runBackup runs `latchkey backup`.
func runBackup(args []string, env Env) error {
	c, to, log, err := fileCommand("backup", backupUsage, "to", "the backup file to write", args, env)
	if err != nil {
		return err
	}
	if !isInstallation(c.data) && c.store == "" {
		return fmt.Errorf("backup: %s holds no Latchkey installation (no audit log, store or running server's admin.json)", c.data)
	}
	key, err := c.storeKey(c.data, log)
	if err != nil {
		return err
	}
	partial := to + ".partial"
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(partial) // gone once renamed
	err = backupInto(c, key, log, f)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	m, err := checkBackupFile(partial, key)
	if err != nil {
		return fmt.Errorf("backup: the file written does not read back: %w", err)
	}
	if err := os.Rename(partial, to); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	printManifest(env.Stdout, m)
	return nil
}

// fileCommand parses the flags of backup or restore: the common ones and
// the one naming the file (required). Its logger reports warnings and
// errors only: the command prints its results.
func fileCommand(name, usage, fileFlag, fileHelp string, args []string, env Env) (*common, string, zerolog.Logger, error) {
	c := &common{}
	fs := newFlagSet(name, usage, env.Stderr)
	c.register(fs)
	file := fs.String(fileFlag, "", fileHelp)
	if err := parse(fs, args); err != nil {
		return nil, "", zerolog.Logger{}, err
	}
	if *file == "" {
		fs.Usage()
		return nil, "", zerolog.Logger{}, errUsage
	}
	log, err := c.logger()
	return c, *file, log.Level(max(log.GetLevel(), zerolog.WarnLevel)), err
}

// backupInto writes the backup to w: from the data directory, or from the
// server that holds it.
func backupInto(c *common, key []byte, log zerolog.Logger, w io.Writer) error {
	// A server on PostgreSQL holds no lock on the data directory: ask the
	// one admin.json names first, and open the state here only when no
	// server answers there.
	if af, err := readAdminFile(c.data); err == nil && processAlive(af.PID) {
		// Only to a live server: a stale admin.json's port may belong to
		// another program by now, which must not be sent the token.
		err := remoteBackup(c.data, w)
		var dial *net.OpError
		if err == nil || !errors.As(err, &dial) || dial.Op != "dial" {
			return err
		}
	}
	st, err := openState(c, c.data, false, log, stateOptions{})
	if errors.Is(err, badger.ErrLocked) || errors.Is(err, errInUse) {
		return remoteBackup(c.data, w)
	}
	if err != nil {
		return err
	}
	_, err = writeBackup(context.Background(), st.store, st.audit, key, w)
	return errors.Join(err, st.close())
}

// checkBackupFile reads a backup through and returns its manifest.
func checkBackupFile(path string, key []byte) (backupManifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return backupManifest{}, err
	}
	defer f.Close()
	return readBackup(f, key, checkSink)
}

// printManifest writes what a backup holds, one "kind<TAB>count" a line
// (on PostgreSQL also each node's audit chain).
func printManifest(w io.Writer, m backupManifest) {
	fmt.Fprintf(w, "store\t%s\n", m.Store)
	for _, k := range slices.Sorted(maps.Keys(m.Counts)) {
		fmt.Fprintf(w, "%s\t%d\n", k, m.Counts[k])
	}
	fmt.Fprintf(w, "audit events\t%d\naudit head\t%d %s\n", m.AuditEvents, m.AuditHead.Seq, m.AuditHead.Hash)
	for _, c := range m.AuditChains {
		fmt.Fprintf(w, "audit events of %s\t%d\naudit head of %s\t%d %s\n", c.Node, c.Events, c.Node, c.Head.Seq, c.Head.Hash)
	}
}

// backupPath is the admin port's backup endpoint (serve_admin.go).
const backupPath = "/backup"

// remoteBackup asks the server holding dataDir for a backup.
func remoteBackup(dataDir string, w io.Writer) error {
	af, err := readAdminFile(dataDir)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, af.URL+backupPath, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+af.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("backup: the running server at %s did not answer: %w", af.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("backup: the running server answered %d: %s", resp.StatusCode, msg)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("backup: the stream from the running server broke off: %w", err)
	}
	return nil
}

// backupHandler streams a backup to the CLI on the admin port, for the
// holder of the admin token only.
func backupHandler(st *state, token string, log zerolog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, []byte("Bearer "+token)) != 1 {
			http.Error(w, "the admin token is required", http.StatusUnauthorized)
			return
		}
		// A large backup outlasts the admin port's write timeout.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Cache-Control", "no-store")
		m, err := writeBackup(r.Context(), st.store, st.audit, st.key, w)
		if err != nil {
			log.Error().Err(err).Msg("backup failed")
			panic(http.ErrAbortHandler) // cut the stream: the CLI must not take it for whole
		}
		log.Info().Str("store", m.Store).Int("audit_events", m.AuditEvents).Uint64("audit_head", m.AuditHead.Seq).Msg("backup taken")
	})
}

// isInstallation reports whether dir holds a Latchkey installation: a
// Badger store and audit log, or the admin.json of a running server
// (whose store may be PostgreSQL, audit log included).
func isInstallation(dir string) bool {
	for _, name := range []string{"audit", "store", adminFileName} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}
