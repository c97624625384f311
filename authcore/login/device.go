package login

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// userCodeLetters is the user-code alphabet (RFC 8628 §6.1), the one
// the OAuth package draws from.
const userCodeLetters = "BCDFGHJKLMNPQRSTVWXZ"

// normalizeUserCode turns what a user typed into the stored form: upper
// case, dashes and spaces dropped, 8 letters of the alphabet; false
// otherwise (RFC 8628 §6.1).
func normalizeUserCode(s string) (string, bool) {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	if len(s) != 8 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(userCodeLetters, rune(s[i])) {
			return "", false
		}
	}
	return s, true
}

// deviceReturn is the login return address of the verification page.
func deviceReturn(code string) string {
	if code == "" {
		return "/device"
	}
	return "/device?" + url.Values{"user_code": {code}}.Encode()
}

// validDeviceReturn accepts "/device" and "/device?user_code=<code>",
// the return addresses deviceReturn builds.
func validDeviceReturn(s string) bool {
	if s == "/device" {
		return true
	}
	rest, ok := strings.CutPrefix(s, "/device?user_code=")
	if !ok || len(rest) > 32 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

// serveDevice is GET /device (RFC 8628 §3.3): the user signs in through
// the login page first, then enters the code (or confirms the one in
// verification_uri_complete) and sees the client and scopes.
func (m *Manager) serveDevice(w http.ResponseWriter, r *http.Request) {
	raw, ok := singleValue(r.URL.Query(), "user_code")
	if !ok || len(raw) > 32 {
		m.message(w, http.StatusBadRequest, "Invalid link", "This device link is not valid.")
		return
	}
	if _, _, signedIn := m.current(r); !signedIn {
		code, _ := normalizeUserCode(raw)
		redirect(w, loginURL(deviceReturn(code)))
		return
	}
	if raw == "" {
		m.renderDevice(w, r, http.StatusOK, pageData{})
		return
	}
	m.lookupDevice(w, r, raw)
}

// handleDevice is POST /device: without decision it looks the code up
// and shows the confirmation; with decision=allow or deny it records the
// user's answer on the device code, once.
func (m *Manager) handleDevice(w http.ResponseWriter, r *http.Request) {
	if !m.parseCSRFForm(w, r) {
		return
	}
	sess, _, signedIn := m.current(r)
	raw, ok1 := singleValue(r.PostForm, "user_code")
	decision, ok2 := singleValue(r.PostForm, "decision")
	switch {
	case !ok1 || !ok2 || len(raw) > 32:
		m.message(w, http.StatusBadRequest, "Bad request", "Enter the code once.")
		return
	case !signedIn:
		code, _ := normalizeUserCode(raw)
		redirect(w, loginURL(deviceReturn(code)))
		return
	case decision == "":
		m.lookupDevice(w, r, raw)
		return
	case decision != "allow" && decision != "deny":
		m.message(w, http.StatusBadRequest, "Bad request", "Choose Allow or Deny.")
		return
	}
	d, ok := m.findDevice(w, r, raw)
	if !ok {
		return
	}
	_, err := m.store.UpdateDeviceCode(r.Context(), d.Hash, func(d authcore.DeviceCode) (authcore.DeviceCode, error) {
		if d.Status != authcore.DevicePending {
			return d, authcore.ErrConsumed
		}
		d.Status = authcore.DeviceDenied
		if decision == "allow" {
			d.Status, d.UserID, d.SessionID, d.AuthTime = authcore.DeviceApproved, sess.UserID, sess.SID(), sess.AuthTime
		}
		return d, nil
	})
	switch {
	case errors.Is(err, authcore.ErrConsumed), errors.Is(err, authcore.ErrNotFound):
		m.message(w, http.StatusBadRequest, "Code already used", "This code was already used or has expired.")
		return
	case err != nil:
		m.unavailable(w, r, err)
		return
	}
	e := audit.Event{Actor: sess.UserID, Subject: sess.UserID, ClientID: d.ClientID,
		Details: map[string]any{"scope": strings.Join(d.Scopes, " "), "flow": "device"}}
	if decision == "deny" {
		e.Type, e.Outcome = audit.ConsentDenied, audit.Failure
		m.record(r.Context(), e)
		m.message(w, http.StatusOK, "Access denied", "You denied the device access. You can close this window.")
		return
	}
	e.Type, e.Outcome = audit.ConsentGranted, audit.Success
	m.record(r.Context(), e)
	m.message(w, http.StatusOK, "Device connected", "The device can now use your account. You can close this window.")
}

// lookupDevice shows the confirmation page of a user code.
func (m *Manager) lookupDevice(w http.ResponseWriter, r *http.Request, raw string) {
	d, ok := m.findDevice(w, r, raw)
	if !ok {
		return
	}
	c, err := m.store.GetClient(r.Context(), d.ClientID)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	_, u, _ := m.current(r)
	data := pageData{ClientName: c.Name, User: u.Username, UserCode: raw, SelfRegistered: c.SelfRegistered()}
	for _, n := range d.Scopes {
		sc, _ := m.store.GetScope(r.Context(), n)
		data.Scopes = append(data.Scopes, scopeView{Name: n, Description: sc.Description})
	}
	m.renderDevice(w, r, http.StatusOK, data)
}

// findDevice looks a user code up under the guessing limits; on failure
// it has answered.
func (m *Manager) findDevice(w http.ResponseWriter, r *http.Request, raw string) (authcore.DeviceCode, bool) {
	sess, _, _ := m.current(r)
	ip, user, now := limitKey(remoteIP(r)), sess.UserID, m.now()
	refuse, delay := m.deviceGuard.check(ip, user, now)
	if refuse > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(refuse.Seconds())+1))
		m.message(w, http.StatusTooManyRequests, "Too many attempts", "Too many wrong codes. Try again later.")
		return authcore.DeviceCode{}, false
	}
	if delay > 0 {
		m.deviceGuard.pause(r.Context(), delay)
	}
	code, ok := normalizeUserCode(raw)
	var d authcore.DeviceCode
	err := authcore.ErrNotFound
	if ok {
		d, err = m.store.GetDeviceCodeByUserCode(r.Context(), code)
	}
	switch {
	case errors.Is(err, authcore.ErrNotFound) || (err == nil && d.Status != authcore.DevicePending):
		m.deviceGuard.failed(ip, user, now)
		m.renderDevice(w, r, http.StatusBadRequest, pageData{UserCode: raw,
			Error: "That code is not valid or has expired. Check the code on your device."})
		return d, false
	case err != nil:
		m.unavailable(w, r, err)
		return d, false
	}
	return d, true
}

// renderDevice renders the verification page with a CSRF token.
func (m *Manager) renderDevice(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	csrf, err := m.csrfToken(w, r)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	d.Title, d.CSRF = "Connect a device", csrf
	m.render(w, status, "device", d, nil)
}
