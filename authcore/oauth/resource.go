package oauth

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/authcore"
)

// Resource indicators (RFC 8707). The resources a client may name are
// its registered audience (authcore.Client.Audience, or the server's
// default audience when it registered none): there is no separate
// resource registry yet. Several resources may be requested at /authorize
// and /par; every access token names exactly one of them (RFC 8707 §2.2):
// the one the token request names, or the only one granted. A refresh
// may ask for another resource of the same grant.

// maxResources bounds the resource indicators of one request.
const maxResources = 16

func errInvalidTarget(desc string) *Error {
	return newError(CodeInvalidTarget, http.StatusBadRequest, desc)
}

// joinResources is how several resource parameters travel inside params:
// separated by spaces, which an absolute URI cannot contain.
func joinResources(list []string) string { return strings.Join(list, " ") }

// checkResources validates the resource parameter(s) in raw for client
// c (RFC 8707 §2): each an absolute URI without a fragment, each one of
// the client's registered resources; several only when multi. It returns
// nil when none was sent.
func (s *Server) checkResources(c authcore.Client, raw string, multi bool) ([]string, error) {
	return s.checkResourcesFor(s.audience(c), raw, multi)
}

func (s *Server) checkResourcesFor(allowed []string, raw string, multi bool) ([]string, error) {
	if raw == "" {
		return nil, nil
	}
	list := strings.Split(raw, " ")
	switch {
	case len(list) > maxResources:
		return nil, errInvalidTarget("too many resource parameters")
	case len(list) > 1 && !multi:
		return nil, errInvalidTarget("a token is issued for one resource at a time")
	}
	var out []string
	for _, r := range list {
		u, err := url.Parse(r)
		if err != nil || !u.IsAbs() || u.Host == "" || strings.Contains(r, "#") {
			return nil, errInvalidTarget("resource must be an absolute URI without a fragment")
		}
		if !slices.Contains(allowed, r) {
			return nil, errInvalidTarget("resource is not registered for this client")
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// tokenAudience is the aud of an access token (RFC 8707 §2.2): with
// resources granted, the one the token request names (it must be one of
// them) or the only one; without, the resource named (it must be in
// legacy, the client's registered audience) or legacy itself, plus the
// issuer when openid is among scopes (userinfoAudience).
func (s *Server) tokenAudience(tr *tokenRequest, granted, legacy, scopes []string) ([]string, error) {
	allowed := granted
	if granted == nil {
		allowed = legacy
	}
	req, err := s.checkResourcesFor(allowed, tr.p.get("resource"), false)
	switch {
	case err != nil:
		return nil, err
	case req != nil:
		return req, nil
	case granted == nil:
		return s.userinfoAudience(legacy, scopes), nil
	case len(granted) == 1:
		return granted, nil
	}
	return nil, errInvalidTarget("several resources were granted: name one with the resource parameter")
}

// userinfoAudience adds the issuer to aud when openid was granted and no
// resource was requested: the token of a sign-in is also for userinfo
// (OIDC Core §5.3), which accepts only tokens naming the issuer (RFC 9700
// §2.3), even when the client registered an API as its audience. A token
// requested for a resource (RFC 8707) stays that resource's alone.
func (s *Server) userinfoAudience(aud, scopes []string) []string {
	if s.cfg.OpenID == nil || !slices.Contains(scopes, scopeOpenID) ||
		slices.Contains(aud, s.cfg.Issuer) || slices.Contains(aud, s.cfg.Issuer+"/userinfo") {
		return aud
	}
	return append(slices.Clone(aud), s.cfg.Issuer)
}
