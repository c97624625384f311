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
	dpopJKT      string // dpop_jkt (RFC 9449 §10), dpop.go
	oidc         oidcRequest
	p            params
	resources    []string    // RFC 8707 resource indicators, resource.go
	details      authDetails // RFC 9396 authorization_details, rar.go
	mode         string      // response mode, authorize_mode.go
	modeErr      error       // an unsupported response_mode
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
		s.errorPage(w, publicError(err))
		return
	}
	a.serve(w, r, p, dup, false)
}

// serve answers the authorization request p. detailsApproved says the
// user has just approved this very request on the consent page (POST
// /consent, AllowConsent): authorization_details are consented to per
// request, never remembered (RFC 9396 leaves how to ask to the server;
// a new request with other details must ask again).
func (a *Authorizer) serve(w http.ResponseWriter, r *http.Request, p params, dup string, detailsApproved bool) {
	s := a.s
	// PAR request_uri or request object (authorize_par.go).
	p, dup, ref, err := s.expandRequest(r.Context(), p, dup)
	if err != nil {
		a.pageFail(w, r, err)
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
	if err := s.parseOIDC(ar, p); err != nil {
		s.redirectError(w, r, ar, err)
		return
	}
	if err := s.extendAuthRequest(ar, ref); err != nil {
		s.redirectError(w, r, ar, err)
		return
	}
	if ar.details, err = s.parseDetails(r.Context(), ar.client, p.get("authorization_details")); err != nil { // rar.go
		s.redirectError(w, r, ar, err)
		return
	}
	o := &ar.oidc
	sess, ok := s.ui.Session(r)
	switch {
	case ok && o.hinted && sess.UserID != o.hintSub:
		// OIDC Core §3.1.2.1: the hinted user is not the one signed in
		// (a hint that names no user, such as a pairwise one whose grant
		// ended, names nobody signed in either).
		s.redirectError(w, r, ar, newError(CodeLoginRequired, http.StatusBadRequest,
			"the signed-in user is not the one id_token_hint names"))
		return
	case o.needsLogin(sess, ok, s.now()) && o.prompt["none"]:
		s.redirectError(w, r, ar, newError(CodeLoginRequired, http.StatusBadRequest,
			"the user must sign in"))
		return
	case o.needsLogin(sess, ok, s.now()):
		a.toLogin(w, r, ar, ref, without(p, "login", "max_age"))
		return
	case needsStepUp(ar, sess): // authcontext.go
		a.toStepUp(w, r, ar, ref, p)
		return
	}
	if err := s.roleScopesOf(r.Context(), ar, sess.UserID); err != nil { // scope_role.go
		s.redirectError(w, r, ar, err)
		return
	}
	consent, err := s.store.GetConsent(r.Context(), sess.UserID, ar.client.ID)
	if err != nil && !errors.Is(err, authcore.ErrNotFound) {
		s.redirectError(w, r, ar, unavailable(err))
		return
	}
	if err != nil || !consent.Covers(ar.scopes) || o.prompt["consent"] || (ar.details.json != "" && !detailsApproved) {
		if o.prompt["none"] {
			s.redirectError(w, r, ar, newError(CodeConsentRequired, http.StatusBadRequest,
				"the user must consent"))
			return
		}
		a.toConsent(w, r, ar, ref, without(p, "consent"))
		return
	}
	if err := s.spend(r.Context(), ref); err != nil { // a pushed request is single use
		s.redirectError(w, r, ar, err)
		return
	}
	code, err := s.issueCode(r.Context(), ar, sess)
	if err != nil {
		s.redirectError(w, r, ar, err)
		return
	}
	q := url.Values{"code": {code}}
	s.redirect(w, r, ar, q)
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
	a.s.errorPage(w, publicError(err))
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
	p, dup, err := parseReturn(returnTo) // rar_consent.go
	if err != nil {
		s.errorPage(w, publicError(err))
		return
	}
	p, dup, ref, err := s.expandRequest(r.Context(), p, dup)
	if err != nil {
		a.pageFail(w, r, err)
		return
	}
	_ = s.spend(r.Context(), ref) // denied: the request_uri is done
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
	s.redirect(w, r, ar, url.Values{"error": {CodeAccessDenied},
		"error_description": {"the user denied the request"}})
}

// issueCode stores a new single-use code for ar and the signed-in user.
func (s *Server) issueCode(ctx context.Context, ar *authRequest, sess authcore.Session) (string, error) {
	code, err := s.randomToken(32)
	if err != nil {
		return "", internal(err)
	}
	now := s.now()
	acr, amr := sess.AuthContext() // what the sign-in achieved, whatever was asked
	ar.oidc.acr = acr
	ac := authcore.AuthCode{
		Hash: hashToken(code), ClientID: ar.client.ID, UserID: sess.UserID,
		RedirectURI: ar.sentRedirect, Scopes: ar.scopes, Audience: s.audience(ar.client),
		CodeChallenge: ar.challenge, Nonce: ar.nonce, AuthTime: sess.AuthTime,
		ExpiresAt: now.Add(s.codeTTL(ar.client)), CreatedAt: now,
		SessionID: sess.SID(), ACR: acr, AMR: amr, Claims: ar.oidc.claims,
		DPoPJKT: ar.dpopJKT, Resources: ar.resources, AuthorizationDetails: ar.details.json,
	}
	if err := s.store.CreateAuthCode(ctx, ac); err != nil {
		return "", unavailable(err)
	}
	s.record(ctx, audit.Event{Type: audit.CodeIssued, Actor: sess.UserID, Subject: sess.UserID,
		ClientID: ar.client.ID, Details: codeDetails(ar)})
	return code, nil
}

// codeDetails are the audit details of an issued code: its scope and the
// acr_values requested (OIDC Core §3.1.2.1), if any.
func codeDetails(ar *authRequest) map[string]any {
	d := map[string]any{"scope": joinScope(ar.scopes)}
	if v := ar.p.get("acr_values"); v != "" && ar.oidc.acr != "" {
		d["acr_values"] = truncate(v, 200)
		d["acr"] = ar.oidc.acr
	}
	return d
}

// truncate cuts s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// audience is the aud of the client's tokens: its registered audience, or
// the default.
func (s *Server) audience(c authcore.Client) []string {
	if len(c.Audience) > 0 {
		return append([]string(nil), c.Audience...)
	}
	return []string{s.cfg.DefaultAudience}
}
