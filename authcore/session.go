package authcore

import "time"

// Session is a browser session: a user signed in on one browser. It is
// stored under the hash of the cookie value, never the value itself.
type Session struct {
	ID        string // hex SHA-256 of the cookie value
	UserID    string
	AuthTime  time.Time
	ExpiresAt time.Time
	CreatedAt time.Time
	RemoteIP  string
	UserAgent string
}
