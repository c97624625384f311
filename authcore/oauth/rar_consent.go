package oauth

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey/authcore"
)

// errConsentDetails marks a consent page's request whose
// authorization_details cannot be shown.
var errConsentDetails = errors.New("oauth: authorization request cannot be shown")

// parseReturn reads the parameters of a consent page's return address,
// a relative "/authorize?..." path.
func parseReturn(returnTo string) (params, string, error) {
	u, err := url.Parse(returnTo)
	if err != nil || u.Path != "/authorize" || u.Host != "" || u.Scheme != "" {
		return nil, "", errInvalidRequest("invalid authorization request")
	}
	return parseParams(u.RawQuery)
}

// ConsentDetails returns the consent page's sentences for the
// authorization_details of returnTo's request (a pushed request's are
// read from the store, never from the address): each object rendered
// with its type's consent template (authcore.RenderConsent), as plain
// text for the page to escape. None when the request has none. A request
// that does not hold up is an *authcore.InvalidError; a store failure is
// returned as it is.
func (a *Authorizer) ConsentDetails(r *http.Request, returnTo string) ([]string, error) {
	s, ctx := a.s, r.Context()
	p, dup, err := parseReturn(returnTo)
	if err == nil {
		p, dup, _, err = s.expandRequest(ctx, p, dup)
	}
	var ar *authRequest
	if err == nil {
		ar, err = s.resolveClient(ctx, p, dup)
	}
	var d authDetails
	if err == nil {
		d, err = s.parseDetails(ctx, ar.client, p.get("authorization_details"))
	}
	if err != nil {
		return nil, consentErr(err)
	}
	out := make([]string, 0, len(d.list))
	for _, obj := range d.list {
		typ, _ := obj["type"].(string)
		t, err := s.store.GetAuthorizationDetailType(ctx, typ)
		if err != nil {
			return nil, consentErr(unavailable(err))
		}
		out = append(out, authcore.RenderConsent(t.ConsentTemplate, obj))
	}
	return out, nil
}

// consentErr turns a protocol error into what the consent page shows:
// temporary failures stay errors (503), the rest are invalid requests.
func consentErr(err error) error {
	var oe *Error
	if errors.As(err, &oe) && oe.Status != http.StatusServiceUnavailable {
		return authcore.Invalid(errConsentDetails, "%s", oe.Description)
	}
	return err
}

// AllowConsent answers the user's Allow on the consent page, after the
// consent to the scopes was saved. A request carrying
// authorization_details is completed here, approved for this request
// only (RFC 9396): /authorize never remembers details. Any other request
// goes back to returnTo with 303, as before.
func (a *Authorizer) AllowConsent(w http.ResponseWriter, r *http.Request, returnTo string) {
	s := a.s
	pageHeaders(w.Header())
	p, dup, err := parseReturn(returnTo)
	if err != nil {
		s.errorPage(w, publicError(err))
		return
	}
	q, _, _, err := s.expandRequest(r.Context(), p, dup)
	if err != nil || q.get("authorization_details") == "" {
		w.Header().Set("Location", returnTo) // /authorize answers any error
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	a.serve(w, r, p, dup, true)
}
