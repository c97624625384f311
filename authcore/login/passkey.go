package login

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/passkey"
)

// ceremonyCookie holds the random value naming this browser's WebAuthn
// ceremony in progress; the store keeps the challenge under its hash.
const ceremonyCookie = "latchkey-webauthn"

// ceremonyTTL bounds a ceremony from its options to its answer.
const ceremonyTTL = 5 * time.Minute

// maxCredentialJSON bounds the browser's answer to a ceremony.
const maxCredentialJSON = 16 << 10

// passkeyJS is the browser half of the ceremonies, served as a file so
// the pages need no inline script.
var passkeyJS = mustRead("assets/passkey.js")

// servePasskeyJS is GET /login/passkey.js.
func servePasskeyJS(w http.ResponseWriter, _ *http.Request) { writeScript(w, passkeyJS) }

// writeScript answers one of the pages' static scripts.
func writeScript(w http.ResponseWriter, js string) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(js)))
	_, _ = w.Write([]byte(js))
}

// writeJSON answers a script on the pages, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	setPageHeaders(w.Header(), nil)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// jsonError answers a script with a message for the user.
func jsonError(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, map[string]string{"error": text})
}

// beginCeremony keeps state under a new random value in the ceremony
// cookie and answers the options.
func (m *Manager) beginCeremony(w http.ResponseWriter, r *http.Request, options, state []byte) {
	value, err := m.randomString(sessionBytes)
	if err != nil {
		m.jsonUnavailable(w, r, err)
		return
	}
	c := authcore.PasskeyChallenge{ID: sessionID(value), State: state, ExpiresAt: m.now().Add(ceremonyTTL)}
	if err := m.store.PutPasskeyChallenge(requestContext(r), c); err != nil {
		m.jsonUnavailable(w, r, err)
		return
	}
	m.setCookie(w, ceremonyCookie, value, ceremonyTTL)
	writeJSON(w, http.StatusOK, map[string]json.RawMessage{"options": options})
}

// takeCeremony returns the state of this browser's ceremony, once, and
// the browser's answer from the form.
func (m *Manager) takeCeremony(w http.ResponseWriter, r *http.Request) (state, response []byte, ok bool) {
	m.setCookie(w, ceremonyCookie, "", -1)
	c, err := r.Cookie(m.cookieName(ceremonyCookie))
	if err != nil || !validToken(c.Value, sessionBytes) {
		jsonError(w, http.StatusBadRequest, "The passkey request expired. Try again.")
		return nil, nil, false
	}
	cred, _ := singleValue(r.PostForm, "credential")
	if cred == "" || len(cred) > maxCredentialJSON {
		jsonError(w, http.StatusBadRequest, "The browser sent no passkey.")
		return nil, nil, false
	}
	ch, err := m.store.TakePasskeyChallenge(requestContext(r), sessionID(c.Value))
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		jsonError(w, http.StatusBadRequest, "The passkey request expired. Try again.")
		return nil, nil, false
	case err != nil:
		m.jsonUnavailable(w, r, err)
		return nil, nil, false
	}
	return ch.State, []byte(cred), true
}

// parseJSONForm is parseCSRFForm for the script's requests: failures
// answer JSON.
func (m *Manager) parseJSONForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		jsonError(w, http.StatusBadRequest, "The request could not be read.")
		return false
	}
	if !m.checkCSRF(r) {
		jsonError(w, http.StatusForbidden, "This page has expired. Reload it and try again.")
		return false
	}
	return true
}

// jsonUnavailable logs err and answers 503 in JSON.
func (m *Manager) jsonUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	m.log.Error().Err(err).Str("path", r.URL.Path).Msg("login: request failed")
	jsonError(w, http.StatusServiceUnavailable, "Temporarily unavailable. Try again in a moment.")
}

// loadPasskeyUser is the passkey.Loader over the store: the user must
// exist and be enabled.
func (m *Manager) loadPasskeyUser(ctx context.Context) passkey.Loader {
	return func(id string) (authcore.User, []authcore.Passkey, error) {
		u, err := m.store.GetUser(ctx, id)
		if err != nil {
			return authcore.User{}, nil, err
		}
		if u.Disabled {
			return authcore.User{}, nil, ErrDisabled
		}
		keys, err := m.listPasskeys(ctx, id)
		return u, keys, err
	}
}

// passkeyRefused audits a refused assertion: a possible clone gets its
// own event, every refusal a passkey.failed.
func (m *Manager) passkeyRefused(ctx context.Context, purpose passkey.Purpose, a passkey.Assertion, err error) {
	reason := "verification_failed"
	switch {
	case errors.Is(err, passkey.ErrCloned):
		reason = "counter_not_advanced"
		m.record(ctx, audit.Event{Type: audit.PasskeyCloneSuspected, Outcome: audit.Failure, Subject: a.User.ID,
			Reason: reason, Details: map[string]any{"passkey": a.Passkey.ID, "name": a.Passkey.Name}})
	case errors.Is(err, passkey.ErrUnknown):
		reason = "unknown_credential"
	case errors.Is(err, authcore.ErrNotFound), errors.Is(err, ErrDisabled):
		reason = "unknown_or_disabled_user"
	}
	m.log.Info().Err(err).Str("purpose", string(purpose)).Msg("login: passkey refused")
	details := map[string]any{"purpose": string(purpose)}
	if a.Passkey.ID != "" {
		details["passkey"] = a.Passkey.ID
	}
	m.record(ctx, audit.Event{Type: audit.PasskeyFailed, Outcome: audit.Failure, Subject: a.User.ID, Reason: reason,
		Details: details})
}

// passkeyUsed stores the credential's new counter, flags and last use,
// and audits the success. A concurrent use that advanced the counter
// further wins: the stored count never goes down.
func (m *Manager) passkeyUsed(ctx context.Context, purpose passkey.Purpose, a passkey.Assertion) error {
	err := m.updatePasskey(ctx, a.User.ID, a.Passkey.ID, func(p authcore.Passkey) (authcore.Passkey, error) {
		if a.Passkey.SignCount != 0 && a.Passkey.SignCount <= p.SignCount {
			return p, passkey.ErrCloned
		}
		p.SignCount, p.BackupState, p.UserVerified, p.LastUsedAt = a.Passkey.SignCount, a.Passkey.BackupState, a.Passkey.UserVerified, a.Passkey.LastUsedAt
		return p, nil
	})
	if err != nil {
		return err
	}
	m.record(ctx, audit.Event{Type: audit.PasskeyUsed, Outcome: audit.Success, Subject: a.User.ID,
		Details: map[string]any{"purpose": string(purpose), "passkey": a.Passkey.ID, "user_verified": a.UserVerified}})
	return nil
}
