package oauth

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// pageHeaders hardens every response of the authorization endpoint
// against framing, referrer leaks and caching (OAuth 2.1 §7.11, RFC 9700
// §4.2.4, §4.16).
func pageHeaders(h http.Header) {
	h.Set("Content-Security-Policy",
		"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	noStore(h)
}

var errorPageTmpl = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization error</title></head>
<body><main><h1>Authorization error</h1>
<p>The request cannot be completed: <code>{{.Code}}</code>.</p>
<p>{{.Description}}</p></main></body></html>
`))

// messagePages is what an Interaction may also offer: Latchkey's own
// message page, in the look of the sign-in pages (login.Manager has it).
type messagePages interface {
	Message(w http.ResponseWriter, status int, title, text string)
}

// errorPage answers an authorization error that must not redirect: an
// escaped HTML page, never a Location header. It is the sign-in pages'
// message page when the Interaction offers one, else a plain page.
func (s *Server) errorPage(w http.ResponseWriter, e *Error) {
	status := e.Status
	if status < 400 {
		status = http.StatusBadRequest
	}
	desc := asciiDescription(e.Description)
	if mp, ok := s.cfg.Interaction.(messagePages); ok {
		text := "The request cannot be completed (" + e.Code + ")."
		if desc != "" {
			text = "The request cannot be completed (" + e.Code + "): " + desc
		}
		mp.Message(w, status, "Authorization error", text)
		return
	}
	pageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = errorPageTmpl.Execute(w, struct{ Code, Description string }{e.Code, desc})
}

// redirect sends the authorization response q, plus state and iss (RFC
// 9207 §2), to the request's redirect URI in its response mode
// (authorize_mode.go): a 303 (never 307, OAuth 2.1 §7.5.3) with q in the
// query or, for fragment.jwt, the fragment; or a self-submitting form for
// form_post. In the JARM modes q travels as one signed response
// parameter (JARM §2.1). The registered URI's own query is kept as is.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, ar *authRequest, q url.Values) {
	if ar.state != "" {
		q.Set("state", ar.state)
	}
	q.Set("iss", s.cfg.Issuer)
	if isJARM(ar.mode) {
		tok, err := s.signResponse(ar, q)
		if err != nil {
			s.logInternal(r, err)
			s.errorPage(w, newError(CodeServerError, http.StatusInternalServerError, ""))
			return
		}
		q = url.Values{"response": {tok}}
	}
	switch ar.mode {
	case ModeFormPost, ModeFormPostJWT:
		s.formPost(w, r, ar.redirectURI, q)
		return
	case ModeFragmentJWT:
		w.Header().Set("Location", ar.redirectURI+"#"+q.Encode())
	default:
		sep := "?"
		if strings.Contains(ar.redirectURI, "?") {
			sep = "&"
		}
		w.Header().Set("Location", ar.redirectURI+sep+q.Encode())
	}
	w.WriteHeader(http.StatusSeeOther)
}

// redirectError answers an error for a validated client and redirect URI
// by redirect (RFC 6749 §4.1.2.1), logging internal failures. For a
// client whose redirect URI nobody vetted it shows the error page instead
// (trustsRedirect).
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, ar *authRequest, err error) {
	var oe *Error
	if !errors.As(err, &oe) {
		s.logInternal(r, err)
	}
	e := publicError(err)
	s.record(r.Context(), audit.Event{Type: audit.AuthorizeDenied, Outcome: audit.Failure,
		ClientID: ar.client.ID, Reason: e.Code})
	if !s.trustsRedirect(r, ar.client) {
		s.errorPage(w, e)
		return
	}
	q := url.Values{"error": {e.Code}}
	if e.Description != "" {
		q.Set("error_description", asciiDescription(e.Description))
	}
	s.redirect(w, r, ar, q)
}

// trustsRedirect reports whether an authorization error may be sent to
// the client's redirect URI. An administrator vetted the URIs of the
// clients they registered; a client that registered itself (RFC 7591)
// chose its own, so an error redirect would make Latchkey an open
// redirector (RFC 9700 §4.11.2). Its errors are shown on Latchkey's page
// until the signed-in user has consented to the client at least once:
// from then on the user trusts it. A storage failure counts as not
// trusted.
func (s *Server) trustsRedirect(r *http.Request, c authcore.Client) bool {
	if !c.SelfRegistered() {
		return true
	}
	sess, ok := s.ui.Session(r)
	if !ok {
		return false
	}
	_, err := s.store.GetConsent(r.Context(), sess.UserID, c.ID)
	return err == nil
}
