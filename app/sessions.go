package app

// Session is a browser session as the Users screen shows it.
type Session struct {
	ID        string `json:"id"`  // opaque handle for EndSession (a hash; never the cookie)
	SID       string `json:"sid"` // the OIDC session id in ID tokens
	UserID    string `json:"user_id"`
	AuthTime  string `json:"auth_time"`
	ExpiresAt string `json:"expires_at"`
	RemoteIP  string `json:"remote_addr"`
	UserAgent string `json:"user_agent"`
	// LastSeen and LastIP are the session's last recorded use (at most a
	// minute stale); its sign-in until it is used again.
	LastSeen string `json:"last_seen"`
	LastIP   string `json:"last_ip"`
}

// Consent is what a user allowed a client.
type Consent struct {
	ClientID  string   `json:"client_id"`
	Scopes    []string `json:"scopes"`
	CreatedAt string   `json:"created_at"`
}

// ListSessions returns a user's live sessions.
func (a *App) ListSessions(idOrName string) ([]Session, error) {
	ctx := a.ctx("session.list")
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	ss, err := a.srv.Login.ListSessions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Session, 0, len(ss))
	for _, s := range ss {
		seen, seenIP := s.LastSeen()
		out = append(out, Session{ID: s.ID, SID: s.SID(), UserID: s.UserID, AuthTime: stamp(s.AuthTime),
			ExpiresAt: stamp(s.ExpiresAt), RemoteIP: s.RemoteIP, UserAgent: s.UserAgent, LastSeen: stamp(seen), LastIP: seenIP})
	}
	return out, nil
}

// EndSession signs a browser session out.
func (a *App) EndSession(id string) error {
	ctx := a.ctx("session.end")
	if err := a.srv.Login.EndSession(ctx, id); err != nil {
		return err
	}
	a.adminAction(ctx, "session.end", id)
	return nil
}

// ListConsents returns what a user has allowed each client.
func (a *App) ListConsents(idOrName string) ([]Consent, error) {
	ctx := a.ctx("consent.list")
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	cs, err := a.srv.Store.ListConsents(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Consent, 0, len(cs))
	for _, c := range cs {
		out = append(out, Consent{ClientID: c.ClientID, Scopes: nonNil(c.Scopes), CreatedAt: stamp(c.CreatedAt)})
	}
	return out, nil
}

// RevokeConsent forgets what a user allowed a client; the next
// authorization asks again.
func (a *App) RevokeConsent(idOrName, clientID string) error {
	ctx := a.ctx("consent.revoke")
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return err
	}
	if err := a.srv.Login.RevokeConsent(ctx, u.ID, clientID); err != nil {
		return err
	}
	a.adminAction(ctx, "consent.revoke", u.ID+"/"+clientID)
	return nil
}
