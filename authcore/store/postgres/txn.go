package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/latchkey/latchkey/authcore"
)

// maxAttempts bounds how often a transaction that failed with a
// serialization failure or a deadlock is run again before the caller gets
// authcore.ErrConflict.
const maxAttempts = 20

// tx runs fn in a READ COMMITTED transaction and commits it, running it
// again from scratch on SQLSTATE 40001 (serialization_failure) or 40P01
// (deadlock_detected). fn must keep no state across attempts except what
// it reads in the transaction.
func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return retry(ctx, func() error {
		return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
	})
}

// retry runs run, once more from scratch on SQLSTATE 40001 or 40P01 (as
// tx does), and maps its error with storeErr (a callerErr unwrapped).
func retry(ctx context.Context, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := run()
		if !retryable(err) {
			var ce callerErr
			if errors.As(err, &ce) {
				return ce.err
			}
			return storeErr(err)
		}
		if attempt == maxAttempts {
			return authcore.ErrConflict
		}
		t := time.NewTimer(time.Duration(rand.Int64N(int64(attempt)*int64(time.Millisecond) + 1)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// retryable reports whether err is a serialization failure or deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// SQLSTATEs this package maps to authcore's sentinels.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// storeErr maps PostgreSQL errors to authcore's sentinels and prefixes
// anything else with the package name. Context errors stay as they are.
func storeErr(err error) error {
	var pe *pgconn.PgError
	switch {
	case err == nil,
		errors.Is(err, authcore.ErrNotFound),
		errors.Is(err, authcore.ErrAlreadyExists),
		errors.Is(err, authcore.ErrConflict),
		errors.Is(err, authcore.ErrConsumed),
		errors.Is(err, context.Canceled),
		errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, pgx.ErrNoRows):
		return authcore.ErrNotFound
	case errors.As(err, &pe) && pe.Code == uniqueViolation:
		return authcore.ErrAlreadyExists
	case errors.As(err, &pe) && pe.Code == foreignKeyViolation:
		return authcore.ErrNotFound
	case retryable(err):
		return authcore.ErrConflict
	}
	if strings.HasPrefix(err.Error(), "postgres: ") {
		return err
	}
	return fmt.Errorf("postgres: %w", err)
}

// callerErr carries an error returned by a caller's updater out of a
// transaction, so it reaches the caller unchanged and is never retried.
type callerErr struct{ err error }

func (e callerErr) Error() string { return e.err.Error() }

var (
	errEmptyID   = errors.New("postgres: record has an empty ID")
	errIDChanged = errors.New("postgres: an update may not change the record's ID")
)

// ts is t for a timestamptz column: NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// tv returns the time a nullable timestamptz column was scanned into.
func tv(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

// live is the SQL condition that a row's expires_at is not reached at
// the time in parameter $n.
func live(n int) string {
	return fmt.Sprintf("(expires_at IS NULL OR expires_at > $%d)", n)
}

// expired reports whether a record expiring at exp is dead at now. A zero
// exp never expires.
func expired(exp, now time.Time) bool { return !exp.IsZero() && !now.Before(exp) }

// strs returns list, or an empty list for nil: text[] columns are NOT
// NULL.
func strs(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// jsonDoc encodes a record's document column.
func jsonDoc(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("postgres: encode document: " + err.Error())
	}
	return b
}

// affected turns a statement that touched no row into ErrNotFound.
func affected(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return authcore.ErrNotFound
	}
	return nil
}

// exec runs one statement in a transaction of its own (with the retries
// of tx) and reports how many rows it touched.
func (s *Store) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sql, args...)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}
