package authcore

import (
	"context"
	"time"
)

// SessionTouchInterval is how often at most a session's last use is
// written: a session used again within it keeps its recorded last-seen
// time, so the hot path (every authorization with single sign-on) writes
// at most once a minute per session.
const SessionTouchInterval = time.Minute

// SessionTouches records when and from where a browser session was last
// used, for the account page and the console.
type SessionTouches interface {
	// TouchSession records that session id was used at now from ip: it
	// sets LastSeenAt to now and LastSeenIP to ip. A touch at or before
	// the stored LastSeenAt changes nothing (concurrent or late touches
	// never move it back) and is not an error. It never changes
	// ExpiresAt or any other field: use never extends a session's life.
	// An unknown session, or one expired at now, gives ErrNotFound.
	TouchSession(ctx context.Context, id string, now time.Time, ip string) error
}

// LastSeen returns when and from where s was last used: LastSeenAt and
// LastSeenIP once it was touched, its creation before that.
func (s Session) LastSeen() (time.Time, string) {
	if s.LastSeenAt.IsZero() {
		return s.CreatedAt, s.RemoteIP
	}
	return s.LastSeenAt, s.LastSeenIP
}

// TouchDue reports whether a use of s at now should be recorded: its
// last use is SessionTouchInterval or more before now.
func (s Session) TouchDue(now time.Time) bool {
	seen, _ := s.LastSeen()
	return now.Sub(seen) >= SessionTouchInterval
}
