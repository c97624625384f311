package authcore

import "errors"

// Sentinel errors returned by every Storage implementation. Callers compare
// with errors.Is.
var (
	// ErrNotFound: no record with that key exists (or it has expired).
	ErrNotFound = errors.New("authcore: not found")
	// ErrAlreadyExists: a create collided with an existing record.
	ErrAlreadyExists = errors.New("authcore: already exists")
	// ErrConflict: a concurrent writer changed the record first; the
	// operation was not applied.
	ErrConflict = errors.New("authcore: conflict")
	// ErrConsumed: a single-use artefact (authorization code, refresh
	// token) was already used. The record is returned alongside so the
	// caller can revoke what was issued from it.
	ErrConsumed = errors.New("authcore: already consumed")
	// ErrUnavailable: the store refuses writes for now (its disk is almost
	// full, or its data directory is gone or read-only). Nothing was
	// written; the same request may succeed later. Endpoints answer 503.
	ErrUnavailable = errors.New("authcore: storage temporarily unavailable")
)

// WriteChecker is implemented by stores that can refuse writes for a
// while (ErrUnavailable). Writable is cheap (no I/O): endpoints that write
// only to the audit log, such as a client_credentials issuance, ask it
// before answering, so nothing is acknowledged that could not be stored.
type WriteChecker interface {
	Writable() error
}
