package login

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/passkey"
)

// passkeyAMR is the amr of a passkey sign-in (RFC 8176 §2): proof of
// possession of a key, with "user" when the authenticator verified the
// user.
func passkeyAMR(userVerified bool) []string {
	if userVerified {
		return []string{authcore.AMRHardware, authcore.AMRUser}
	}
	return []string{authcore.AMRHardware}
}

// passkeysOn answers 404 (JSON) when passkeys are off.
func (m *Manager) passkeysOn(w http.ResponseWriter) bool {
	if m.cfg.Passkeys == nil {
		jsonError(w, http.StatusNotFound, "Passkeys are not available on this server.")
		return false
	}
	return true
}

// allowAttempt applies the login rate limit to a passkey attempt.
func (m *Manager) allowAttempt(w http.ResponseWriter, r *http.Request) bool {
	if ok, wait := m.limiter.Allow(limitKey(remoteIP(r)), m.now()); !ok {
		m.record(requestContext(r), audit.Event{Type: audit.RateLimitHit, Outcome: audit.Failure, Reason: "login"})
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		jsonError(w, http.StatusTooManyRequests, "Too many sign-in attempts. Wait a moment and try again.")
		return false
	}
	return true
}

// handlePasskeyOptions is POST /login/passkey/options: the options of a
// passwordless sign-in with a discoverable credential. Only the answer
// (handlePasskeyLogin) counts toward the login rate limit, as a password
// attempt does; the challenge kept here lives five minutes.
func (m *Manager) handlePasskeyOptions(w http.ResponseWriter, r *http.Request) {
	if !m.passkeysOn(w) || !m.parseJSONForm(w, r) {
		return
	}
	options, state, err := m.cfg.Passkeys.BeginLogin(nil, nil)
	if err != nil {
		m.jsonUnavailable(w, r, err)
		return
	}
	m.beginCeremony(w, r, options, state)
}

// handlePasskeyLogin is POST /login/passkey: a passwordless sign-in. On
// success the browser gets a new session (acr phishing-resistant, amr
// hwk and user) and is sent to return_to.
func (m *Manager) handlePasskeyLogin(w http.ResponseWriter, r *http.Request) {
	if !m.passkeysOn(w) || !m.allowAttempt(w, r) || !m.parseJSONForm(w, r) {
		return
	}
	returnTo, ok := singleValue(r.PostForm, "return_to")
	if !ok || returnTo != "" && !validReturnTo(returnTo) {
		jsonError(w, http.StatusBadRequest, "This sign-in link is not valid.")
		return
	}
	state, response, ok := m.takeCeremony(w, r)
	if !ok {
		return
	}
	a, err := m.cfg.Passkeys.FinishLogin(passkey.Passwordless, state, response, m.loadPasskeyUser(requestContext(r)))
	if err == nil && a.User.Locked(m.now()) {
		err = ErrLocked
	}
	if err == nil {
		err = m.passkeyUsed(requestContext(r), passkey.Passwordless, a)
	}
	if err != nil {
		if !passkey.IsRefused(err) && !errors.Is(err, authcore.ErrNotFound) && !errors.Is(err, ErrDisabled) && !errors.Is(err, ErrLocked) {
			m.jsonUnavailable(w, r, err)
			return
		}
		m.passkeyRefused(requestContext(r), passkey.Passwordless, a, err)
		jsonError(w, http.StatusBadRequest, "That passkey was not accepted.")
		return
	}
	if _, err := m.startSession(w, r, a.User, func(s *authcore.Session) {
		s.AMR = passkeyAMR(a.UserVerified)
		s.ACR = authcore.ACRForAMR(s.AMR)
	}); err != nil {
		m.jsonUnavailable(w, r, err)
		return
	}
	if _, err := m.newCSRF(w); err != nil {
		m.jsonUnavailable(w, r, err)
		return
	}
	ctx := m.withClient(requestContext(r), returnTo)
	m.record(ctx, audit.Event{Type: audit.LoginSucceeded, Outcome: audit.Success, Subject: a.User.ID,
		Details: map[string]any{"method": "passkey", "username": a.User.Username}})
	if returnTo == "" {
		returnTo = "/account"
	}
	writeJSON(w, http.StatusOK, map[string]string{"redirect": returnTo})
}
