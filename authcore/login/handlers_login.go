package login

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// maxFormBytes bounds a POSTed form.
const maxFormBytes = 64 << 10

// genericLoginError is all the page ever says about a failed login.
const genericLoginError = "Invalid username or password."

// RedirectToLogin answers 303 See Other to the login page, which comes
// back to returnTo after a successful login. returnTo must be a relative
// "/authorize?..." path; anything else gets a 400 page and no redirect.
func (m *Manager) RedirectToLogin(w http.ResponseWriter, r *http.Request, returnTo string) {
	if !validReturnTo(returnTo) {
		m.badReturn(w, r, returnTo)
		return
	}
	redirect(w, loginURL(returnTo))
}

// serveLoginPage is GET /login. Without return_to and with a session it
// shows who is signed in, with a sign-out button.
func (m *Manager) serveLoginPage(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := singleValue(r.URL.Query(), "return_to")
	if !ok || returnTo != "" && !validReturnTo(returnTo) {
		m.badReturn(w, r, returnTo)
		return
	}
	csrf, err := m.csrfToken(w, r)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	if _, u, signedIn := m.current(r); signedIn && returnTo == "" {
		m.render(w, http.StatusOK, "message", pageData{Title: "Signed in", CSRF: csrf,
			Message: "You are signed in as " + u.Username + ".", SignOut: true}, nil)
		return
	}
	m.renderLogin(w, r, http.StatusOK, pageData{CSRF: csrf, ReturnTo: returnTo})
}

// renderLogin shows the login form, naming the requesting client when
// the return address names a known one.
func (m *Manager) renderLogin(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	d.Title = "Sign in"
	var origins []string
	if d.ReturnTo != "" {
		req := parseReturnTo(d.ReturnTo)
		if d.Username == "" && d.Error == "" {
			// OIDC Core §3.1.2.1: login_hint prefills the username.
			d.Username = truncateUTF8(req.loginHint, maxUsername)
		}
		if id := req.clientID; id != "" {
			if c, err := m.store.GetClient(r.Context(), id); err == nil {
				d.ClientName, origins = c.Name, formOrigins(c)
			}
		}
	}
	d.Providers = m.providerButtons(r.Context(), d.ReturnTo)
	if d.ReturnTo == accountPath {
		d.Message = "Sign in again to change your account."
		if _, u, ok := m.current(r); ok && d.Username == "" {
			d.Username = u.Username
		}
	}
	if m.cfg.Passkeys != nil {
		nonce, err := m.randomString(16)
		if err != nil {
			m.unavailable(w, r, err)
			return
		}
		d.Nonce, d.Passkeys = nonce, true
	}
	m.render(w, status, "login", d, origins)
}

// handleLogin is POST /login: rate limit, CSRF, credentials, then a new
// session and 303 to the return address.
func (m *Manager) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := requestContext(r)
	ip, now := remoteIP(r), m.now()
	ok, wait := m.limiter.Allow(limitKey(ip), now)
	if ok {
		blocked, sharedWait, err := m.loginBlocked(ctx, ip, now) // ratelimit_shared.go
		if err != nil {
			m.unavailable(w, r, err)
			return
		}
		ok, wait = !blocked, sharedWait
	}
	if !ok {
		m.record(ctx, audit.Event{Type: audit.RateLimitHit, Outcome: audit.Failure, Reason: "login"})
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		m.message(w, http.StatusTooManyRequests, "Too many attempts",
			"Too many sign-in attempts from your network. Wait a moment and try again.")
		return
	}
	returnTo, ok := m.readForm(w, r)
	if !ok {
		return
	}
	username, _ := singleValue(r.PostForm, "username")
	password, _ := singleValue(r.PostForm, "password")
	u, err := m.Authenticate(m.withClient(ctx, returnTo), username, password)
	switch {
	case errors.Is(err, ErrInvalidCredentials), errors.Is(err, ErrLocked), errors.Is(err, ErrDisabled):
		m.countFailedLogin(ctx, ip, now)
		csrf, _ := singleValue(r.PostForm, csrfField)
		m.renderLogin(w, r, http.StatusOK, pageData{CSRF: csrf, ReturnTo: returnTo,
			Username: truncateUTF8(username, maxUsername), Error: genericLoginError})
		return
	case err != nil:
		m.unavailable(w, r, err)
		return
	}
	if m.afterPassword(w, r, u, returnTo) { // second factor, mfa_pages.go
		return
	}
	if _, err := m.startSession(w, r, u, func(s *authcore.Session) {
		s.ACR, s.AMR = authcore.ACRPassword, []string{authcore.AMRPassword}
	}); err != nil {
		m.unavailable(w, r, err)
		return
	}
	if _, err := m.newCSRF(w); err != nil {
		m.unavailable(w, r, err)
		return
	}
	if returnTo == "" {
		returnTo = "/login"
	}
	redirect(w, returnTo)
}

// handleLogout is POST /logout: it ends this browser's session and
// answers 303 to the login page (coming back to return_to, if any).
func (m *Manager) handleLogout(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := m.readForm(w, r)
	if !ok {
		return
	}
	if s, _, signedIn := m.current(r); signedIn {
		if err := m.endSession(requestContext(r), s, "logout"); err != nil && !errors.Is(err, authcore.ErrNotFound) {
			m.unavailable(w, r, err)
			return
		}
	}
	m.setCookie(w, sessionCookie, "", -1)
	redirect(w, loginURL(returnTo))
}

// readForm parses a POSTed form (bounded in size), checks its CSRF token
// and its return_to ("" or a valid return address). On failure it has
// answered and returns false.
func (m *Manager) readForm(w http.ResponseWriter, r *http.Request) (string, bool) {
	if !m.parseCSRFForm(w, r) {
		return "", false
	}
	returnTo, ok := singleValue(r.PostForm, "return_to")
	if !ok || returnTo != "" && !validReturnTo(returnTo) {
		m.badReturn(w, r, returnTo)
		return "", false
	}
	return returnTo, true
}

// parseCSRFForm parses a POSTed form (bounded in size) and checks its
// CSRF token; on failure it has answered and returns false.
func (m *Manager) parseCSRFForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			m.message(w, http.StatusRequestEntityTooLarge, "Request too large", "The form was too large.")
			return false
		}
		m.message(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return false
	}
	if !m.checkCSRF(r) {
		m.message(w, http.StatusForbidden, "Session expired",
			"This form has expired or did not come from this site. Go back, reload the page and try again.")
		return false
	}
	return true
}

// badReturn refuses an invalid return address with a 400 page.
func (m *Manager) badReturn(w http.ResponseWriter, r *http.Request, returnTo string) {
	m.log.Warn().Str("return_to", truncateUTF8(returnTo, 200)).Str("remote", remoteIP(r)).
		Msg("login: refused return address")
	m.message(w, http.StatusBadRequest, "Invalid link",
		"This sign-in link is not valid. Go back to the application and start again.")
}

// unavailable logs err and answers 503.
func (m *Manager) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	m.log.Error().Err(err).Str("path", r.URL.Path).Msg("login: request failed")
	m.message(w, http.StatusServiceUnavailable, "Temporarily unavailable",
		"Sign-in is temporarily unavailable. Please try again in a moment.")
}

// singleValue returns the value of key in v: "" when absent, and false
// when it was sent more than once.
func singleValue(v map[string][]string, key string) (string, bool) {
	switch vals := v[key]; len(vals) {
	case 0:
		return "", true
	case 1:
		return vals[0], true
	default:
		return "", false
	}
}
