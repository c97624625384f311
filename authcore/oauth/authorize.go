package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// maxNonce bounds the OIDC nonce stored on a code.
const maxNonce = 512

// Authorizer serves the authorization endpoint, GET and POST /authorize
// (OAuth 2.1 §4.1.1). Obtain it from (*Server).Authorizer.
type Authorizer struct{ s *Server }

// authRequest is a validated authorization request.
type authRequest struct {
	client       authcore.Client
	redirectURI  string // where the response goes
	sentRedirect string // redirect_uri as sent, "" when omitted
	state        string
	scopes       []string
	challenge    string
	nonce        string
	p            params
}

// ServeHTTP validates the request, sends the user to login and consent
// through Interaction as needed, then issues a code and answers 303 to the
// redirect URI with code, state and iss (RFC 9207). No CORS headers are
// ever set here (OAuth 2.1 §3.1).
func (a *Authorizer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := a.s
	pageHeaders(w.Header())
	p, dup, err := a.readParams(w, r)
	if err != nil {
		errorPage(w, publicError(err))
		return
	}
	ar, err := s.resolveClient(r.Context(), p, dup)
	if err != nil {
		a.pageFail(w, r, err)
		return
	}
	if err := s.validateAuthRequest(ar, p, dup); err != nil {
		s.redirectError(w, r, ar, err)
		return
	}
	sess, ok := s.ui.Session(r)
	if !ok {
		s.ui.RedirectToLogin(w, r, returnTo(p))
		return
	}
	consent, err := s.store.GetConsent(r.Context(), sess.UserID, ar.client.ID)
	if err != nil && !errors.Is(err, authcore.ErrNotFound) {
		s.redirectError(w, r, ar, unavailable(err))
		return
	}
	if err != nil || !consent.Covers(ar.scopes) {
		s.ui.RedirectToConsent(w, r, returnTo(p))
		return
	}
	code, err := s.issueCode(r.Context(), ar, sess)
	if err != nil {
		s.redirectError(w, r, ar, err)
		return
	}
	q := url.Values{"code": {code}}
	s.redirect(w, ar, q)
}

// readParams takes parameters from the query (GET) or the form body
// (POST), reporting the first duplicated name.
func (a *Authorizer) readParams(w http.ResponseWriter, r *http.Request) (params, string, error) {
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		body, err := readBody(w, r, a.s.cfg.MaxBodyBytes)
		if err != nil {
			return nil, "", err
		}
		raw = body
	} else if int64(len(raw)) > a.s.cfg.MaxBodyBytes {
		return nil, "", newError(CodeInvalidRequest, http.StatusRequestURITooLong, "request too long")
	}
	return parseParams(raw)
}

// pageFail answers a failure that must not redirect with the error page,
// logging internal errors.
func (a *Authorizer) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *Error
	if !errors.As(err, &oe) {
		a.s.logInternal(r, err)
	}
	a.s.record(r.Context(), audit.Event{Type: audit.AuthorizeDenied, Outcome: audit.Failure,
		Reason: publicError(err).Description})
	errorPage(w, publicError(err))
}

// returnTo is where login and consent come back to: /authorize with the
// original parameters, re-encoded as a query.
func returnTo(p params) string {
	v := make(url.Values, len(p))
	for k, x := range p {
		v.Set(k, x)
	}
	return "/authorize?" + v.Encode()
}

// DenyConsent answers the user's refusal on the consent page: it
// re-validates returnTo's client_id and redirect_uri and answers 303 with
// error=access_denied, state and iss (RFC 6749 §4.1.2.1, RFC 9207), or
// the error page when they do not validate.
func (a *Authorizer) DenyConsent(w http.ResponseWriter, r *http.Request, returnTo string) {
	s := a.s
	pageHeaders(w.Header())
	u, err := url.Parse(returnTo)
	if err != nil || u.Path != "/authorize" || u.Host != "" || u.Scheme != "" {
		errorPage(w, errInvalidRequest("invalid authorization request"))
		return
	}
	p, dup, err := parseParams(u.RawQuery)
	if err != nil {
		errorPage(w, publicError(err))
		return
	}
	ar, err := s.resolveClient(r.Context(), p, dup)
	if err != nil {
		a.pageFail(w, r, err)
		return
	}
	if dup == "state" {
		ar.state = ""
	}
	e := audit.Event{Type: audit.ConsentDenied, Outcome: audit.Failure, ClientID: ar.client.ID}
	if sess, ok := s.ui.Session(r); ok {
		e.Subject, e.Actor = sess.UserID, sess.UserID
	}
	s.record(r.Context(), e)
	s.redirect(w, ar, url.Values{"error": {CodeAccessDenied},
		"error_description": {"the user denied the request"}})
}

// issueCode stores a new single-use code for ar and the signed-in user.
func (s *Server) issueCode(ctx context.Context, ar *authRequest, sess authcore.Session) (string, error) {
	code, err := s.randomToken(32)
	if err != nil {
		return "", internal(err)
	}
	now := s.now()
	ac := authcore.AuthCode{
		Hash: hashToken(code), ClientID: ar.client.ID, UserID: sess.UserID,
		RedirectURI: ar.sentRedirect, Scopes: ar.scopes, Audience: s.audience(ar.client),
		CodeChallenge: ar.challenge, Nonce: ar.nonce, AuthTime: sess.AuthTime,
		ExpiresAt: now.Add(s.cfg.CodeTTL), CreatedAt: now,
	}
	if err := s.store.CreateAuthCode(ctx, ac); err != nil {
		return "", unavailable(err)
	}
	s.record(ctx, audit.Event{Type: audit.CodeIssued, Actor: sess.UserID, Subject: sess.UserID,
		ClientID: ar.client.ID, Details: map[string]any{"scope": joinScope(ar.scopes)}})
	return code, nil
}

// audience is the aud of the client's tokens: its registered audience, or
// the default.
func (s *Server) audience(c authcore.Client) []string {
	if len(c.Audience) > 0 {
		return append([]string(nil), c.Audience...)
	}
	return []string{s.cfg.DefaultAudience}
}
