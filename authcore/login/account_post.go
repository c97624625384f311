package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/passkey"
)

// maxPasskeys bounds the passkeys of one user.
const maxPasskeys = 20

// maxPasskeyName bounds a passkey's name, in bytes.
const maxPasskeyName = 64

// reauthURL is the login page that signs the user in again and comes
// back to the account page.
var reauthURL = loginURL(accountPath)

// accountChange checks a change on the account page: the form and its
// CSRF token, a session, and a sign-in within ReauthWindow. Otherwise it
// has answered (for a script: JSON naming where to go) and returns false.
func (m *Manager) accountChange(w http.ResponseWriter, r *http.Request, script bool) (authcore.Session, authcore.User, bool) {
	if script && !m.parseJSONForm(w, r) || !script && !m.parseCSRFForm(w, r) {
		return authcore.Session{}, authcore.User{}, false
	}
	s, u, ok := m.current(r)
	if ok && m.fresh(s) {
		return s, u, true
	}
	if script {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "Sign in again to change your account.", "redirect": reauthURL})
	} else {
		redirect(w, reauthURL)
	}
	return authcore.Session{}, authcore.User{}, false
}

// handleAccountPassword is POST /account/password. The user's other
// sessions end; this one stays.
func (m *Manager) handleAccountPassword(w http.ResponseWriter, r *http.Request) {
	s, u, ok := m.accountChange(w, r, false)
	if !ok {
		return
	}
	pw, _ := singleValue(r.PostForm, "new_password")
	again, _ := singleValue(r.PostForm, "confirm_password")
	fail := func(text string) { m.accountError(w, r, s, u, text) }
	switch err := m.checkPassword(pw); {
	case pw != again:
		fail("The two new passwords differ.")
		return
	case err != nil:
		fail(fmt.Sprintf("Use at least %d characters (and at most 1024 bytes).", m.cfg.MinPasswordLength))
		return
	}
	hash, err := m.HashPassword(pw)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	ctx := requestContext(r)
	if err := m.updateUser(ctx, u.ID, "password", func(x *authcore.User) { x.PasswordHash = hash }); err != nil {
		m.unavailable(w, r, err)
		return
	}
	others, err := m.store.ListSessions(ctx, u.ID)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	for _, o := range others {
		if o.ID != s.ID {
			if err := m.endSession(ctx, o, "password_changed"); err != nil && !errors.Is(err, authcore.ErrNotFound) {
				m.unavailable(w, r, err)
				return
			}
		}
	}
	redirect(w, accountPath+"?done=password")
}

// accountError shows the account page again with an error.
func (m *Manager) accountError(w http.ResponseWriter, r *http.Request, s authcore.Session, u authcore.User, text string) {
	view, err := m.accountView(r.Context(), s, u)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	csrf, _ := singleValue(r.PostForm, csrfField)
	d := pageData{Title: "Your account", CSRF: csrf, Account: &view, Error: text}
	if m.cfg.Passkeys != nil {
		if d.Nonce, err = m.randomString(16); err != nil {
			m.unavailable(w, r, err)
			return
		}
	}
	m.render(w, http.StatusBadRequest, "account", d, nil)
}

// handleAccountEndSession is POST /account/sessions/end: sign out one of
// the user's sessions, named by its public sid.
func (m *Manager) handleAccountEndSession(w http.ResponseWriter, r *http.Request) {
	s, u, ok := m.accountChange(w, r, false)
	if !ok {
		return
	}
	sid, _ := singleValue(r.PostForm, "sid")
	ctx := requestContext(r)
	sessions, err := m.store.ListSessions(ctx, u.ID)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	for _, o := range sessions {
		if sid == "" || o.SID() != sid {
			continue
		}
		if err := m.endSession(ctx, o, "ended_by_user"); err != nil && !errors.Is(err, authcore.ErrNotFound) {
			m.unavailable(w, r, err)
			return
		}
		if o.ID == s.ID {
			m.setCookie(w, sessionCookie, "", -1)
			redirect(w, "/login")
			return
		}
		redirect(w, accountPath+"?done=session-ended")
		return
	}
	m.accountError(w, r, s, u, "That session has already ended.")
}

// handleAccountWithdraw is POST /account/consents/withdraw: forget the
// consent and revoke every grant the user gave that client, so its
// refresh and access tokens stop working.
func (m *Manager) handleAccountWithdraw(w http.ResponseWriter, r *http.Request) {
	s, u, ok := m.accountChange(w, r, false)
	if !ok {
		return
	}
	clientID, _ := singleValue(r.PostForm, "client_id")
	ctx := m.withClient(requestContext(r), "")
	err := m.RevokeConsent(ctx, u.ID, clientID)
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		m.accountError(w, r, s, u, "That application no longer has your consent.")
		return
	case err != nil:
		m.unavailable(w, r, err)
		return
	}
	if err := m.revokeClientGrants(ctx, u.ID, clientID, "consent withdrawn by the user"); err != nil {
		m.unavailable(w, r, err)
		return
	}
	redirect(w, accountPath+"?done=consent-withdrawn")
}

// passkeyName checks the name a user gave a passkey.
func passkeyName(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxPasskeyName || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", false
	}
	return s, true
}

// handleAccountPasskeyOptions is POST /account/passkeys/options: the
// options of registering a new passkey.
func (m *Manager) handleAccountPasskeyOptions(w http.ResponseWriter, r *http.Request) {
	if !m.passkeysOn(w) {
		return
	}
	_, u, ok := m.accountChange(w, r, true)
	if !ok {
		return
	}
	keys, err := m.listPasskeys(requestContext(r), u.ID)
	if err != nil {
		m.jsonUnavailable(w, r, err)
		return
	}
	if len(keys) >= maxPasskeys {
		jsonError(w, http.StatusBadRequest, "You have as many passkeys as allowed. Remove one first.")
		return
	}
	options, state, err := m.cfg.Passkeys.BeginRegistration(u, keys)
	if err != nil {
		m.jsonUnavailable(w, r, err)
		return
	}
	m.beginCeremony(w, r, options, state)
}

// handleAccountPasskeyAdd is POST /account/passkeys: verify and store
// the new passkey.
func (m *Manager) handleAccountPasskeyAdd(w http.ResponseWriter, r *http.Request) {
	if !m.passkeysOn(w) {
		return
	}
	_, u, ok := m.accountChange(w, r, true)
	if !ok {
		return
	}
	raw, _ := singleValue(r.PostForm, "name")
	name, ok := passkeyName(raw)
	if !ok {
		jsonError(w, http.StatusBadRequest, "Give the passkey a name of at most 64 characters.")
		return
	}
	state, response, ok := m.takeCeremony(w, r)
	if !ok {
		return
	}
	ctx := requestContext(r)
	keys, err := m.listPasskeys(ctx, u.ID)
	if err != nil {
		m.jsonUnavailable(w, r, err)
		return
	}
	p, err := m.cfg.Passkeys.FinishRegistration(u, keys, state, response, name)
	if err == nil {
		err = m.store.CreateFactor(ctx, p.Factor())
	}
	if err != nil {
		if !errors.Is(err, authcore.ErrAlreadyExists) && !passkey.IsRefused(err) {
			m.jsonUnavailable(w, r, err)
			return
		}
		m.log.Info().Err(err).Msg("login: passkey registration refused")
		m.record(ctx, audit.Event{Type: audit.PasskeyFailed, Outcome: audit.Failure, Subject: u.ID, Actor: u.ID,
			Reason: "registration_refused", Details: map[string]any{"purpose": "register"}})
		jsonError(w, http.StatusBadRequest, "The passkey could not be registered.")
		return
	}
	m.record(ctx, audit.Event{Type: audit.PasskeyRegistered, Outcome: audit.Success, Subject: u.ID, Actor: u.ID,
		Details: map[string]any{"passkey": p.ID, "name": p.Name, "backup_eligible": p.BackupEligible}})
	writeJSON(w, http.StatusOK, map[string]string{"redirect": accountPath + "?done=passkey-added"})
}

// handleAccountPasskeyRemove is POST /account/passkeys/remove.
func (m *Manager) handleAccountPasskeyRemove(w http.ResponseWriter, r *http.Request) {
	s, u, ok := m.accountChange(w, r, false)
	if !ok {
		return
	}
	id, _ := singleValue(r.PostForm, "id")
	ctx := requestContext(r)
	switch err := m.deletePasskey(ctx, u.ID, id); {
	case errors.Is(err, authcore.ErrNotFound):
		m.accountError(w, r, s, u, "That passkey is already gone.")
		return
	case err != nil:
		m.unavailable(w, r, err)
		return
	}
	m.record(ctx, audit.Event{Type: audit.PasskeyRemoved, Outcome: audit.Success, Subject: u.ID, Actor: u.ID,
		Details: map[string]any{"passkey": id}})
	redirect(w, accountPath+"?done=passkey-removed")
}

// revokeClientGrants revokes every live grant userID gave clientID: its
// refresh tokens and access tokens stop working (RFC 7009 §2.1).
func (m *Manager) revokeClientGrants(ctx context.Context, userID, clientID, reason string) error {
	grants, err := m.store.ListGrants(ctx)
	if err != nil {
		return err
	}
	now := m.now()
	for _, g := range grants {
		if g.UserID != userID || g.ClientID != clientID || g.Revoked {
			continue
		}
		if err := m.store.RevokeGrant(ctx, g.ID, reason, now); err != nil && !errors.Is(err, authcore.ErrNotFound) {
			return err
		}
		m.record(ctx, audit.Event{Type: audit.TokenRevoked, Outcome: audit.Success, Subject: userID, Actor: userID,
			ClientID: clientID, Reason: reason, Details: map[string]any{"grant": g.ID}})
	}
	return nil
}
