package oidc

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// SessionInfo describes a browser session for the console: by its public
// sid, never by the stored id or the cookie.
type SessionInfo struct {
	SID       string
	UserID    string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	RemoteIP  string
	UserAgent string
	// LastSeenAt and LastSeenIP are the last recorded use: the sign-in
	// until the session is used again (authcore.Session.LastSeen).
	LastSeenAt time.Time
	LastSeenIP string
}

// ListSessions returns the user's live browser sessions (the sessions
// behind single sign-on), for the user's and the administrator's views.
func (p *Provider) ListSessions(ctx context.Context, userID string) ([]SessionInfo, error) {
	all, err := p.store.ListSessions(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("oidc: list sessions: %w", err)
	}
	now := p.now()
	out := make([]SessionInfo, 0, len(all))
	for _, s := range all {
		if now.Before(s.ExpiresAt) && !s.Pending() {
			seen, seenIP := s.LastSeen()
			out = append(out, SessionInfo{SID: s.SID(), UserID: s.UserID, AuthTime: s.AuthTime,
				CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt, RemoteIP: s.RemoteIP, UserAgent: s.UserAgent,
				LastSeenAt: seen, LastSeenIP: seenIP})
		}
	}
	return out, nil
}

// EndSession ends the user's session named by its sid, as the user
// (signing out elsewhere) or an administrator does. Back-channel logout
// follows through login.Config.OnSessionEnded. An unknown sid gives an
// error wrapping authcore.ErrNotFound.
func (p *Provider) EndSession(ctx context.Context, userID, sid string) error {
	all, err := p.store.ListSessions(ctx, userID)
	if err != nil {
		return fmt.Errorf("oidc: list sessions: %w", err)
	}
	for _, s := range all {
		if s.SID() == sid {
			return p.sessions.EndSession(ctx, s.ID)
		}
	}
	return fmt.Errorf("oidc: end session: %w", authcore.ErrNotFound)
}
