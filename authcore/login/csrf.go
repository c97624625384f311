package login

import (
	"crypto/subtle"
	"net/http"
)

// csrfBytes is the entropy of a CSRF token (256 bits).
const csrfBytes = 32

// csrfField is the hidden form field that echoes the CSRF cookie.
const csrfField = "csrf_token"

// csrfToken returns the browser's CSRF token, setting a new cookie when
// it has none. The cookie is HttpOnly and SameSite=Lax; the page echoes
// the value in a hidden field (double submit). With SecureCookies its
// __Host- name keeps other subdomains from planting it.
func (m *Manager) csrfToken(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(m.cookieName(csrfCookie)); err == nil && validToken(c.Value, csrfBytes) {
		return c.Value, nil
	}
	return m.newCSRF(w)
}

// newCSRF sets a fresh CSRF cookie and returns its value; login rotates
// it together with the session.
func (m *Manager) newCSRF(w http.ResponseWriter) (string, error) {
	v, err := m.randomString(csrfBytes)
	if err != nil {
		return "", err
	}
	m.setCookie(w, csrfCookie, v, 0)
	return v, nil
}

// checkCSRF reports whether the parsed form's token matches the cookie,
// compared in constant time. Both must be present and well formed.
func (m *Manager) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(m.cookieName(csrfCookie))
	if err != nil || !validToken(c.Value, csrfBytes) {
		return false
	}
	got := r.PostForm[csrfField]
	if len(got) != 1 || len(got[0]) != len(c.Value) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got[0]), []byte(c.Value)) == 1
}
