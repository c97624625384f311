package badger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// Errors of Open. Both come wrapped in an error that says which directory
// (and, for ErrLocked, which process) is involved; compare with errors.Is.
var (
	// ErrLocked: another process (or another Store in this process) has
	// the data directory open.
	ErrLocked = errors.New("badger: data directory is in use")
	// ErrWrongEncryptionKey: the data directory was written with another
	// encryption key, or without one (or with one, when none was given).
	ErrWrongEncryptionKey = errors.New("badger: wrong encryption key")
)

// openErr is an Open failure with a readable message that still matches
// its sentinel under errors.Is.
type openErr struct {
	msg   string
	is    error
	cause error
	file  string // the damaged file, for ErrDamaged
}

func (e *openErr) Error() string        { return e.msg }
func (e *openErr) Is(target error) bool { return target == e.is }
func (e *openErr) Unwrap() error        { return e.cause }

// badgerLockMsg is the text Badger puts in its lock error on every
// platform. Badger flattens the underlying errno into a string, so the
// text is all there is to recognise; TestLocked fails if it changes.
const badgerLockMsg = "Another process is using this Badger database"

// openError turns Badger's open error into one a person can act on.
func openError(dir string, err error) error {
	switch {
	case strings.Contains(err.Error(), badgerLockMsg):
		holder := "pid unknown"
		if pid := lockHolder(dir); pid > 0 {
			holder = "pid " + strconv.Itoa(pid)
		}
		return &openErr{
			msg:   fmt.Sprintf("badger: data directory %s is in use by another Latchkey process (%s)", dir, holder),
			is:    ErrLocked,
			cause: err,
		}
	case errors.Is(err, bdg.ErrEncryptionKeyMismatch):
		return &openErr{
			msg:   fmt.Sprintf("badger: data directory %s was written with a different encryption key (or none); nothing was changed", dir),
			is:    ErrWrongEncryptionKey,
			cause: err,
		}
	}
	if damagedFile(err.Error()) != "" {
		return damagedOpen(dir, err)
	}
	return fmt.Errorf("badger: open %s: %w", dir, err)
}

// lockHolder reads the pid of the process holding dir: ours first, then
// the one Badger writes into its own LOCK file. It returns 0 if unknown.
func lockHolder(dir string) int {
	for _, name := range []string{pidFileName, "LOCK"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			return pid
		}
	}
	return 0
}

// storeErr leaves authcore's sentinels and context errors as they are and
// prefixes anything else (Badger's own errors) with the package name.
func storeErr(err error) error {
	switch {
	case err == nil,
		errors.Is(err, authcore.ErrNotFound),
		errors.Is(err, authcore.ErrAlreadyExists),
		errors.Is(err, authcore.ErrConflict),
		errors.Is(err, authcore.ErrConsumed),
		errors.Is(err, context.Canceled),
		errors.Is(err, context.DeadlineExceeded):
		return err
	}
	if strings.HasPrefix(err.Error(), "badger: ") {
		return err
	}
	return fmt.Errorf("badger: %w", err)
}

// callerErr carries an error returned by a caller's updater closure out of
// a transaction, so it reaches the caller unchanged and is never retried.
type callerErr struct{ err error }

func (e callerErr) Error() string { return e.err.Error() }

// txnEstimate is what one write transaction is assumed to add to the
// write-ahead log when asking the Gate: our records are a few hundred
// bytes, a grant with many access tokens a few KiB.
const txnEstimate = 4 << 10

// Writable asks the Gate whether a write may go ahead now
// (authcore.WriteChecker). It does no I/O: the Gate's state is an atomic.
func (s *Store) Writable() error {
	if s.gate == nil {
		return nil
	}
	if err := s.gate.Allow(txnEstimate); err != nil {
		return &unavailableErr{cause: err}
	}
	return nil
}

// unavailableErr is a write the Gate refused. It matches
// authcore.ErrUnavailable and says why.
type unavailableErr struct{ cause error }

func (e *unavailableErr) Error() string        { return "badger: write refused: " + e.cause.Error() }
func (e *unavailableErr) Is(target error) bool { return target == authcore.ErrUnavailable }
func (e *unavailableErr) Unwrap() error        { return e.cause }
