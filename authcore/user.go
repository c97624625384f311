package authcore

import "time"

// User is a resource owner who logs in with a password.
type User struct {
	ID           string // stable subject identifier (sub)
	Username     string
	Email        string
	DisplayName  string
	PasswordHash string // argon2id, PHC string format
	Disabled     bool
	Admin        bool
	// RequireMFA makes this user sign in with a second factor (and
	// enroll one at the next sign-in if they have none).
	RequireMFA bool

	// FailedLogins holds the times of recent failed logins, oldest first,
	// for lockout; LockedUntil is set when the account is locked.
	FailedLogins []time.Time
	LockedUntil  time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Locked reports whether the account is locked at now.
func (u User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// Scope is a registered scope with the description shown on consent.
type Scope struct {
	Name        string
	Description string
	CreatedAt   time.Time
}

// Consent records that a user allowed a client a set of scopes.
type Consent struct {
	UserID    string
	ClientID  string
	Scopes    []string
	CreatedAt time.Time
}

// Covers reports whether the consent includes every scope in want.
func (c Consent) Covers(want []string) bool {
	for _, s := range want {
		if !contains(c.Scopes, s) {
			return false
		}
	}
	return true
}
