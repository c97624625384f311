package login

import "errors"

// Errors callers branch on with errors.Is. The login page shows the same
// generic message for ErrInvalidCredentials, ErrLocked and ErrDisabled, so
// that an attacker learns nothing about the account; the audit log and the
// caller see which one it was.
var (
	// ErrInvalidCredentials: the username is unknown or the password is
	// wrong.
	ErrInvalidCredentials = errors.New("login: invalid username or password")
	// ErrLocked: the account is locked after too many failed logins.
	ErrLocked = errors.New("login: account is locked")
	// ErrDisabled: an administrator disabled the account.
	ErrDisabled = errors.New("login: account is disabled")
	// ErrWeakPassword: the new password does not meet the policy (length).
	ErrWeakPassword = errors.New("login: password does not meet the policy")
	// ErrInvalidUser: a username, email or display name is malformed.
	ErrInvalidUser = errors.New("login: invalid user details")
	// ErrMalformedHash: a stored password hash is not a PHC argon2id
	// string this package can verify.
	ErrMalformedHash = errors.New("login: malformed password hash")
)
