package login

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// sessionBytes is the entropy of a session cookie value (256 bits).
const sessionBytes = 32

// maxUserAgent bounds the user agent kept on a session.
const maxUserAgent = 256

// Session returns the session of the user signed in on this browser, if
// any: the cookie value is hashed with SHA-256 and looked up in the store.
// A missing, malformed, unknown, expired or ended session, or one whose
// user is gone or disabled, gives false.
func (m *Manager) Session(r *http.Request) (authcore.Session, bool) {
	s, _, ok := m.current(r)
	return s, ok
}

// current returns the browser's session and its user, recording the
// use (sessiontouch.go).
func (m *Manager) current(r *http.Request) (authcore.Session, authcore.User, bool) {
	s, u, ok := m.cookieRecord(r, sessionCookie, "")
	if ok {
		s = m.touch(r, s)
	}
	return s, u, ok
}

// cookieRecord returns the live record stored under prefix plus the hash
// of the named cookie's value, and its user (who must exist and be
// enabled): a session, or a pending sign-in (mfa_pending.go).
func (m *Manager) cookieRecord(r *http.Request, cookie, prefix string) (authcore.Session, authcore.User, bool) {
	c, err := r.Cookie(m.cookieName(cookie))
	if err != nil || !validToken(c.Value, sessionBytes) {
		return authcore.Session{}, authcore.User{}, false
	}
	ctx := r.Context()
	s, err := m.store.GetSession(ctx, prefix+sessionID(c.Value))
	if err != nil {
		if !errors.Is(err, authcore.ErrNotFound) {
			m.log.Error().Err(err).Msg("login: read session")
		}
		return authcore.Session{}, authcore.User{}, false
	}
	if !m.now().Before(s.ExpiresAt) || s.Pending() != (prefix == pendingPrefix) {
		return authcore.Session{}, authcore.User{}, false
	}
	u, err := m.store.GetUser(ctx, s.UserID)
	if err != nil || u.Disabled {
		return authcore.Session{}, authcore.User{}, false
	}
	return s, u, true
}

// startSession signs u in on this browser: it ends any session the
// browser already had and always creates a new one under a new random
// value (so a planted cookie never becomes a signed-in session), then
// sets the cookie.
func (m *Manager) startSession(w http.ResponseWriter, r *http.Request, u authcore.User, opts ...func(*authcore.Session)) (authcore.Session, error) {
	ctx := requestContext(r)
	if c, err := r.Cookie(m.cookieName(sessionCookie)); err == nil && validToken(c.Value, sessionBytes) {
		if old, err := m.store.GetSession(ctx, sessionID(c.Value)); err == nil {
			_ = m.endSession(ctx, old, "replaced")
		}
	}
	value, err := m.randomString(sessionBytes)
	if err != nil {
		return authcore.Session{}, err
	}
	now := m.now()
	s := authcore.Session{
		ID: sessionID(value), UserID: u.ID, AuthTime: now, CreatedAt: now,
		ExpiresAt: now.Add(m.cfg.SessionTTL),
		RemoteIP:  remoteIP(r), UserAgent: truncateUTF8(r.UserAgent(), maxUserAgent),
	}
	for _, o := range opts {
		o(&s)
	}
	if err := m.store.CreateSession(ctx, s); err != nil {
		return authcore.Session{}, fmt.Errorf("login: create session: %w", err)
	}
	m.setCookie(w, sessionCookie, value, m.cfg.SessionTTL)
	return s, nil
}

// EndSession ends the browser session id (the hash stored in
// authcore.Session.ID). An unknown id gives an error wrapping
// authcore.ErrNotFound.
func (m *Manager) EndSession(ctx context.Context, id string) error {
	s, err := m.store.GetSession(ctx, id)
	if errors.Is(err, authcore.ErrNotFound) {
		s = authcore.Session{ID: id} // expired sessions can still be deleted
	} else if err != nil {
		return fmt.Errorf("login: read session: %w", err)
	}
	return m.endSession(ctx, s, "ended")
}

// ListSessions returns the user's live browser sessions.
func (m *Manager) ListSessions(ctx context.Context, userID string) ([]authcore.Session, error) {
	all, err := m.store.ListSessions(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("login: list sessions: %w", err)
	}
	now := m.now()
	live := all[:0]
	for _, s := range all {
		if now.Before(s.ExpiresAt) && !isPending(s) { // mfa_pending.go
			live = append(live, s)
		}
	}
	return live, nil
}

// EndAllSessions ends every browser session of the user and reports how
// many it ended.
func (m *Manager) EndAllSessions(ctx context.Context, userID string) (int, error) {
	return m.endAll(ctx, userID, "ended")
}

func (m *Manager) endAll(ctx context.Context, userID, reason string) (int, error) {
	all, err := m.store.ListSessions(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("login: list sessions: %w", err)
	}
	n := 0
	for _, s := range all {
		err := m.endSession(ctx, s, reason)
		if err != nil && !errors.Is(err, authcore.ErrNotFound) {
			return n, err
		}
		if err == nil {
			n++
		}
	}
	return n, nil
}

// endSession deletes s and records session.ended with reason.
func (m *Manager) endSession(ctx context.Context, s authcore.Session, reason string) error {
	if err := m.store.DeleteSession(ctx, s.ID); err != nil {
		return fmt.Errorf("login: end session: %w", err)
	}
	m.record(ctx, audit.Event{Type: audit.SessionEnded, Outcome: audit.Success, Subject: s.UserID,
		Reason: reason, Details: map[string]any{"session": shortID(s.ID)}})
	if m.cfg.OnSessionEnded != nil && s.UserID != "" && !isPending(s) {
		m.cfg.OnSessionEnded(ctx, s, reason)
	}
	return nil
}

// sessionID is the stored id of a cookie value: hex SHA-256.
func sessionID(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// shortID is a prefix of a session id, enough to tell sessions apart in
// the audit log.
func shortID(id string) string { return truncateUTF8(id, 12) }

// validToken reports whether v is n random bytes in unpadded base64url.
func validToken(v string, n int) bool {
	if len(v) != base64.RawURLEncoding.EncodedLen(n) {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(v)
	return err == nil
}
