package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// The pending sign-in: a user who passed the password (or a signed-in
// user asked for a stronger sign-in) and owes a second factor.
const (
	pendingCookie = "latchkey-mfa"
	pendingTTL    = 10 * time.Minute
	// pendingPrefix starts the stored id of a pending sign-in. A session
	// cookie hashes to a bare hex id, so a pending record can never be
	// looked up as a signed-in session, whatever cookie a browser sends.
	pendingPrefix = authcore.PendingSignInPrefix
)

// startPending records a pending sign-in of u that has proved amr so far
// (at authTime) and sets its cookie.
func (m *Manager) startPending(w http.ResponseWriter, r *http.Request, u authcore.User, amr []string, authTime time.Time) (authcore.Session, error) {
	value, err := m.randomString(sessionBytes)
	if err != nil {
		return authcore.Session{}, err
	}
	now := m.now()
	p := authcore.Session{
		ID: pendingPrefix + sessionID(value), UserID: u.ID, AuthTime: authTime, CreatedAt: now,
		ExpiresAt: now.Add(pendingTTL), AMR: amr,
		RemoteIP: remoteIP(r), UserAgent: truncateUTF8(r.UserAgent(), maxUserAgent),
	}
	if err := m.store.CreateSession(requestContext(r), p); err != nil {
		return authcore.Session{}, fmt.Errorf("login: create pending sign-in: %w", err)
	}
	m.setCookie(w, pendingCookie, value, pendingTTL)
	return p, nil
}

// currentPending returns the browser's pending sign-in and its user; an
// expired one, or one whose user is gone or disabled, gives false.
func (m *Manager) currentPending(r *http.Request) (authcore.Session, authcore.User, bool) {
	return m.cookieRecord(r, pendingCookie, pendingPrefix) // sessions.go
}

// endPending forgets the pending sign-in p and clears its cookie.
func (m *Manager) endPending(ctx context.Context, w http.ResponseWriter, p authcore.Session) error {
	m.setCookie(w, pendingCookie, "", -1)
	if err := m.store.DeleteSession(ctx, p.ID); err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return fmt.Errorf("login: end pending sign-in: %w", err)
	}
	return nil
}

// isPending reports whether a stored session record is a pending
// sign-in rather than a signed-in session.
func isPending(s authcore.Session) bool { return s.Pending() }
