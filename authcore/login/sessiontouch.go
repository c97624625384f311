package login

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// touch records a use of the signed-in session s (authorization with
// single sign-on, the account page, any page that reads the session)
// when its last recorded use is authcore.SessionTouchInterval or more
// ago, so a busy session costs one store write a minute, not one per
// request. It returns s as it now stands. The store keeps the expiry as
// it was: use never lengthens a session. Last seen is informational, so
// a failed write is logged and the request goes on.
func (m *Manager) touch(r *http.Request, s authcore.Session) authcore.Session {
	now := m.now()
	if !s.TouchDue(now) {
		return s
	}
	ip := remoteIP(r)
	if err := m.store.TouchSession(r.Context(), s.ID, now, ip); err != nil {
		if !errors.Is(err, authcore.ErrNotFound) { // ended meanwhile: nothing to record
			m.log.Warn().Err(err).Msg("login: record session use")
		}
		return s
	}
	s.LastSeenAt, s.LastSeenIP = now, ip
	return s
}
