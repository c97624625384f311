package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/authcore"
)

// maxScopes bounds the scopes one consent page lists.
const maxScopes = 64

// errBadRequest marks a return address whose client or scopes do not
// hold up; the page answers 400.
var errBadRequest = errors.New("login: invalid authorization request")

// RedirectToConsent answers 303 See Other to the consent page for
// returnTo's client_id and scope. On Allow the page saves the consent
// (merged with what the user allowed before) and answers 303 back to
// returnTo; on Deny it calls Config.OnDeny. returnTo must be a relative
// "/authorize?..." path; anything else gets a 400 page and no redirect.
func (m *Manager) RedirectToConsent(w http.ResponseWriter, r *http.Request, returnTo string) {
	if !validReturnTo(returnTo) {
		m.badReturn(w, r, returnTo)
		return
	}
	redirect(w, consentURL(returnTo))
}

// consentRequest is a consent page's subject: the client and the scopes
// it asks for, with their registered descriptions.
type consentRequest struct {
	client authcore.Client
	scopes []scopeView
}

// loadConsent resolves returnTo's client and scopes. An unknown client,
// a malformed scope or one the client may not have is errBadRequest.
func (m *Manager) loadConsent(ctx context.Context, returnTo string) (consentRequest, error) {
	req := parseReturnTo(returnTo)
	c, err := m.store.GetClient(ctx, req.clientID)
	if errors.Is(err, authcore.ErrNotFound) || req.clientID == "" {
		return consentRequest{}, errBadRequest
	}
	if err != nil {
		return consentRequest{}, fmt.Errorf("login: read client: %w", err)
	}
	names, ok := splitScope(req.scope)
	if !ok {
		return consentRequest{}, errBadRequest
	}
	cr := consentRequest{client: c}
	for _, n := range names {
		if !c.AllowsScope(n) {
			return consentRequest{}, errBadRequest
		}
		sc, err := m.store.GetScope(ctx, n)
		if err != nil && !errors.Is(err, authcore.ErrNotFound) {
			return consentRequest{}, fmt.Errorf("login: read scope: %w", err)
		}
		cr.scopes = append(cr.scopes, scopeView{Name: n, Description: sc.Description})
	}
	return cr, nil
}

// splitScope splits a scope parameter (RFC 6749 §3.3) into distinct
// tokens; false when it is malformed.
func splitScope(raw string) ([]string, bool) {
	if raw == "" {
		return nil, true
	}
	parts := strings.Split(raw, " ")
	if len(parts) > maxScopes {
		return nil, false
	}
	var out []string
	for _, t := range parts {
		if t == "" || len(t) > 200 || strings.ContainsFunc(t, func(c rune) bool {
			return c < 0x21 || c > 0x7e || c == '"' || c == '\\'
		}) {
			return nil, false
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, true
}

// serveConsentPage is GET /consent: it shows the client and the scopes
// to the signed-in user, or sends the browser to log in first.
func (m *Manager) serveConsentPage(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := singleValue(r.URL.Query(), "return_to")
	if !ok || !validReturnTo(returnTo) {
		m.badReturn(w, r, returnTo)
		return
	}
	_, u, signedIn := m.current(r)
	if !signedIn {
		redirect(w, loginURL(returnTo))
		return
	}
	cr, ok := m.consentOrFail(w, r, returnTo)
	if !ok {
		return
	}
	details, ok := m.consentDetails(w, r, returnTo)
	if !ok {
		return
	}
	csrf, err := m.csrfToken(w, r)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	user := u.Username
	if u.DisplayName != "" {
		user = u.DisplayName + " (" + u.Username + ")"
	}
	m.render(w, http.StatusOK, "consent", pageData{Title: "Allow access?", CSRF: csrf,
		ReturnTo: returnTo, ClientName: cr.client.Name, User: user, Scopes: cr.scopes, Details: details,
		SelfRegistered: cr.client.SelfRegistered()},
		formOrigins(cr.client))
}

// consentOrFail loads the consent subject, answering 400 or 503 itself
// when it cannot.
func (m *Manager) consentOrFail(w http.ResponseWriter, r *http.Request, returnTo string) (consentRequest, bool) {
	cr, err := m.loadConsent(r.Context(), returnTo)
	switch {
	case errors.Is(err, errBadRequest):
		m.message(w, http.StatusBadRequest, "Invalid request",
			"The application sent an authorization request that cannot be shown. Go back to it and start again.")
		return cr, false
	case err != nil:
		m.unavailable(w, r, err)
		return cr, false
	}
	return cr, true
}

// consentDetails asks Config.ConsentDetails for the sentences of
// returnTo's authorization_details, answering 400 or 503 itself when it
// cannot.
func (m *Manager) consentDetails(w http.ResponseWriter, r *http.Request, returnTo string) ([]string, bool) {
	if m.cfg.ConsentDetails == nil {
		return nil, true
	}
	details, err := m.cfg.ConsentDetails(r, returnTo)
	var ie *authcore.InvalidError
	switch {
	case errors.As(err, &ie):
		m.message(w, http.StatusBadRequest, "Invalid request",
			"The application sent an authorization request that cannot be shown. Go back to it and start again.")
		return nil, false
	case err != nil:
		m.unavailable(w, r, err)
		return nil, false
	}
	return details, true
}
