package login

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"

	"github.com/latchkey/latchkey/authcore"
)

// Logout ends this browser's session, if it has one, and deletes the
// session cookie: the OP side of RP-initiated logout (OIDC RP-Initiated
// Logout 1.0 §2). It returns the session it ended.
func (m *Manager) Logout(w http.ResponseWriter, r *http.Request) (authcore.Session, bool, error) {
	s, _, signedIn := m.current(r)
	m.setCookie(w, sessionCookie, "", -1)
	if !signedIn {
		return authcore.Session{}, false, nil
	}
	if err := m.endSession(requestContext(r), s, "logout"); err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return s, false, err
	}
	return s, true, nil
}

// LogoutPrompt shows the logout confirmation page (OIDC RP-Initiated
// Logout 1.0 §2: without a valid id_token_hint the OP asks the user): a
// form that POSTs fields, a CSRF token and decision=logout or
// decision=stay to action (a same-origin path). clientName names the
// client asking, if known; returnURI is the post-logout redirect the
// submission may end in, allowed in the page's form-action.
func (m *Manager) LogoutPrompt(w http.ResponseWriter, r *http.Request, action string, fields url.Values, clientName, returnURI string) {
	csrf, err := m.csrfToken(w, r)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	d := pageData{Title: "Sign out?", CSRF: csrf, Action: action, ClientName: clientName}
	if _, u, ok := m.current(r); ok {
		d.User = u.Username
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range fields[k] {
			d.Hidden = append(d.Hidden, hiddenField{Name: k, Value: v})
		}
	}
	var origins []string
	if src := authcore.CSPSource(returnURI); returnURI != "" && src != "" {
		origins = []string{src}
	}
	m.render(w, http.StatusOK, "logout", d, origins)
}

// VerifyForm parses a POSTed form (at most 64 KiB) and checks its CSRF
// token against the cookie. On failure it has answered (400, 403 or 413)
// and returns false.
func (m *Manager) VerifyForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if !m.parseCSRFForm(w, r) {
		return nil, false
	}
	return r.PostForm, true
}

// Message renders a plain page with the package's hardening headers: an
// error when status >= 400, a notice otherwise.
func (m *Manager) Message(w http.ResponseWriter, status int, title, text string) {
	m.message(w, status, title, text)
}

// SignedOut is the page after a sign-out that does not redirect: the
// post-logout URI of a client that registered itself is offered as a
// link the user may follow, never followed for them (RFC 9700 §4.11.2;
// OIDC RP-Initiated Logout 1.0 §3 lets the OP decline the redirect).
func (m *Manager) SignedOut(w http.ResponseWriter, clientName, returnURI string) {
	d := pageData{Title: "Signed out", Message: "You have been signed out.", Link: returnURI,
		LinkText: "Return to " + clientName}
	if clientName == "" {
		d.LinkText = "Return to the application"
	}
	m.render(w, http.StatusOK, "message", d, nil)
}

// SignedOutFrames is the signed-out page of OIDC Front-Channel Logout
// 1.0 §3: it frames each of frames (front-channel logout URIs with their
// iss and sid) and allows exactly those in its frame-src; a frame whose
// URI no source can name exactly is left out. With returnURI, follow
// makes the page continue there after three seconds, the frames' time to
// load; without follow returnURI is only offered as a link (SignedOut).
func (m *Manager) SignedOutFrames(w http.ResponseWriter, frames []string, clientName, returnURI string, follow bool) {
	d := pageData{Title: "Signed out", Message: "You have been signed out.", Link: returnURI,
		LinkText: "Return to " + clientName}
	if clientName == "" {
		d.LinkText = "Return to the application"
	}
	if follow {
		d.Refresh = returnURI
	}
	for _, f := range frames {
		if src := authcore.CSPFrameSource(f); src != "" {
			d.Frames = append(d.Frames, f)
			if !slices.Contains(d.FrameSources, src) {
				d.FrameSources = append(d.FrameSources, src)
			}
		}
	}
	m.render(w, http.StatusOK, "message", d, nil)
}
