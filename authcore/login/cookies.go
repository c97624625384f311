package login

import (
	"net/http"
	"time"
	"unicode/utf8"
)

// The cookies this package sets.
const (
	sessionCookie = "latchkey-session"
	csrfCookie    = "latchkey-csrf"
)

// cookieName gives the __Host- prefix (RFC 6265bis §4.1.3.2) when cookies
// are Secure: the browser then refuses the cookie unless it is Secure,
// Path=/ and host-only, so a sibling subdomain cannot plant it.
func (m *Manager) cookieName(base string) string {
	if m.cfg.SecureCookies {
		return "__Host-" + base
	}
	return base
}

// setCookie sets an HttpOnly, SameSite=Lax, Path=/ cookie, Secure when
// configured. A zero ttl makes a browser-session cookie; a negative one
// deletes the cookie.
func (m *Manager) setCookie(w http.ResponseWriter, base, value string, ttl time.Duration) {
	c := &http.Cookie{
		Name: m.cookieName(base), Value: value, Path: "/",
		HttpOnly: true, Secure: m.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
	switch {
	case ttl < 0:
		c.Value, c.MaxAge = "", -1
	case ttl > 0:
		c.MaxAge = int(ttl / time.Second)
		c.Expires = m.now().Add(ttl)
	}
	http.SetCookie(w, c)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
