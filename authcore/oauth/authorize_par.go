package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey/authcore"
)

// expandRequest resolves where an authorization request's parameters
// are (RFC 9126 §4, RFC 9101 §5, §6):
//
//   - request_uri: only a Latchkey PAR URN is accepted and it is never
//     fetched; it must belong to the client_id sent beside it, be live and
//     unspent. Every other parameter outside it is ignored (RFC 9126 §4);
//     the pushed parameters are used.
//   - request: a request object by value, verified (jar.go); only its
//     claims are used, the parameters outside it are ignored (RFC 9101
//     §5) except client_id, which must match.
//   - neither: p as it is.
//
// Its errors are shown on the error page: the redirect URI is not known
// yet.
func (s *Server) expandRequest(ctx context.Context, p params, dup string) (params, string, requestRef, error) {
	ref := requestRef{clientID: p.get("client_id")}
	if !p.has("request_uri") && !p.has("request") {
		return p, dup, ref, nil
	}
	switch {
	case dup == "client_id" || dup == "request_uri" || dup == "request":
		return nil, "", ref, errInvalidRequest("parameter " + dup + " sent more than once")
	case p.has("request_uri") && p.has("request"):
		return nil, "", ref, errInvalidRequest("request and request_uri cannot both be sent")
	case ref.clientID == "":
		return nil, "", ref, errInvalidRequest("client_id is missing")
	}
	c, err := s.store.GetClient(ctx, ref.clientID)
	if errors.Is(err, authcore.ErrNotFound) {
		return nil, "", ref, errInvalidRequest("unknown client")
	} else if err != nil {
		return nil, "", ref, unavailable(err)
	}
	if p.has("request") {
		q, err := s.verifyRequestObject(p.get("request"), c)
		ref.object, ref.orig = true, clone(q)
		return q, "", ref, err
	}
	badURI := newError(CodeInvalidRequestURI, http.StatusBadRequest,
		"request_uri is unknown, expired, used or not this client's")
	uri := p.get("request_uri")
	if !isPARURI(uri) {
		return nil, "", ref, badURI
	}
	hash := hashToken(uri[len(RequestURIPrefix):])
	pr, err := s.store.GetPushedRequest(ctx, hash)
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return nil, "", ref, badURI
	case err != nil:
		return nil, "", ref, unavailable(err)
	case pr.ClientID != c.ID || !s.now().Before(pr.ExpiresAt):
		return nil, "", ref, badURI
	}
	ref.hash, ref.uri, ref.pushed, ref.expires = hash, uri, true, pr.ExpiresAt
	ref.orig = clone(pr.Params)
	return params(pr.Params), "", ref, nil
}

// requirePAR refuses a request that did not come from PAR when the
// server (Config.RequirePAR), the client (require_pushed_authorization_
// requests) or its FAPI mode requires it (RFC 9126 §5, §6; FAPI 2.0
// §5.3.2.2-3).
func (s *Server) requirePAR(c authcore.Client, ref requestRef) error {
	if ref.pushed {
		return nil
	}
	if s.cfg.RequirePAR || c.RequirePushedAuthorizationRequests || c.FAPI {
		return errInvalidRequest("this client must use pushed authorization requests")
	}
	return nil
}

// returnToRef is where login and consent come back to. A pushed request
// comes back as client_id and request_uri (with scope, which only the
// consent page reads); when the parameters to come back with differ from
// the pushed ones (prompt or max_age removed), or the request came as a
// request object, they are pushed again under a new request_uri with the
// same expiry, and the old one is spent, so one request_uri never
// completes twice.
func (s *Server) returnToRef(ctx context.Context, ref requestRef, next params) (string, error) {
	if !ref.pushed && !ref.object {
		return returnTo(next), nil
	}
	if ref.pushed && sameParams(ref.orig, next) {
		return parReturn(ref.clientID, ref.uri, next), nil
	}
	exp := ref.expires
	if !ref.pushed {
		exp = s.now().Add(s.parLifetime())
	}
	uri, _, err := s.pushRequestUntil(ctx, next.get("client_id"), next, exp)
	if err != nil {
		return "", err
	}
	if err := s.spend(ctx, ref); err != nil {
		return "", err
	}
	return parReturn(next.get("client_id"), uri, next), nil
}

// parReturn builds the /authorize return address of a pushed request.
func parReturn(clientID, uri string, p params) string {
	v := url.Values{"client_id": {clientID}, "request_uri": {uri}}
	if sc := p.get("scope"); sc != "" {
		v.Set("scope", sc)
	}
	return "/authorize?" + v.Encode()
}

func sameParams(a, b params) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// toLogin sends the browser to sign in, coming back to next.
func (a *Authorizer) toLogin(w http.ResponseWriter, r *http.Request, ar *authRequest, ref requestRef, next params) {
	back, err := a.s.returnToRef(r.Context(), ref, next)
	if err != nil {
		a.s.redirectError(w, r, ar, err)
		return
	}
	a.s.ui.RedirectToLogin(w, r, back)
}

// toConsent sends the browser to the consent page, coming back to next.
func (a *Authorizer) toConsent(w http.ResponseWriter, r *http.Request, ar *authRequest, ref requestRef, next params) {
	back, err := a.s.returnToRef(r.Context(), ref, next)
	if err != nil {
		a.s.redirectError(w, r, ar, err)
		return
	}
	a.s.ui.RedirectToConsent(w, r, back)
}

// extendAuthRequest applies the checks this file and resource.go add to
// a validated request: PAR when required, resource indicators (RFC 8707
// §2), and the FAPI 2.0 rules. Its errors are answered by redirect.
func (s *Server) extendAuthRequest(ar *authRequest, ref requestRef) error {
	if err := s.requirePAR(ar.client, ref); err != nil {
		return err
	}
	res, err := s.checkResources(ar.client, ar.p.get("resource"), true)
	if err != nil {
		return err
	}
	ar.resources = res
	return nil
}
