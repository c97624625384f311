package oauth

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// Error codes of OIDC Core §3.1.2.6 and §6.
const (
	CodeLoginRequired          = "login_required"
	CodeConsentRequired        = "consent_required"
	CodeInteractionRequired    = "interaction_required"
	CodeRequestNotSupported    = "request_not_supported"
	CodeRequestURINotSupported = "request_uri_not_supported"
)

// Bounds on OpenID Connect request parameters.
const (
	maxClaimsParam = 4096
	maxACRValues   = 16
	maxAgeLimit    = 1 << 31
)

// oidcRequest holds the OpenID Connect parameters of an authorization
// request (OIDC Core §3.1.2.1).
type oidcRequest struct {
	prompt  map[string]bool // none, login, consent
	maxAge  int64           // seconds; -1 when absent
	hintSub string          // sub of a verified id_token_hint ("": it names no user)
	hinted  bool            // an id_token_hint was given
	acr     string          // the acr the login satisfies
	claims  string          // normalized claims request
}

// parseOIDC validates the OpenID Connect parameters; its errors are
// answered by redirect. Without a provider they are ignored.
func (s *Server) parseOIDC(ar *authRequest, p params) error {
	ar.oidc = oidcRequest{maxAge: -1}
	if s.cfg.OpenID == nil {
		return nil
	}
	switch {
	case p.has("request"):
		return newError(CodeRequestNotSupported, http.StatusBadRequest, "request objects are not supported")
	case p.has("request_uri"):
		return newError(CodeRequestURINotSupported, http.StatusBadRequest, "request_uri is not supported")
	}
	o := &ar.oidc
	if raw := p.get("prompt"); raw != "" {
		o.prompt = map[string]bool{}
		for _, v := range strings.Split(raw, " ") {
			switch v {
			case "none", "login", "consent":
				o.prompt[v] = true
			case "select_account":
				o.prompt["login"] = true // one account per browser: pick it by signing in
			default:
				return errInvalidRequest("prompt value is not supported")
			}
		}
		if o.prompt["none"] && len(o.prompt) > 1 {
			return errInvalidRequest("prompt=none cannot be combined with other values")
		}
	}
	if raw := p.get("max_age"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 || n > maxAgeLimit {
			return errInvalidRequest("max_age must be a non-negative integer")
		}
		o.maxAge = n
	}
	if hint := p.get("id_token_hint"); hint != "" {
		sub, err := s.cfg.OpenID.HintSubject(hint)
		if err != nil {
			return errInvalidRequest("id_token_hint is not a valid ID token of this issuer")
		}
		o.hintSub, o.hinted = sub, true
	}
	acr := strings.Fields(p.get("acr_values"))
	if len(acr) > maxACRValues {
		return errInvalidRequest("too many acr_values")
	}
	o.acr = s.cfg.OpenID.ACR(acr)
	if raw := p.get("claims"); raw != "" && subset([]string{scopeOpenID}, ar.scopes) {
		if len(raw) > maxClaimsParam {
			return errInvalidRequest("claims is too long")
		}
		norm, implied, err := s.cfg.OpenID.ParseClaims(raw)
		if err != nil {
			return errInvalidRequest("claims is not a valid claims request")
		}
		o.claims = norm
		for _, sc := range implied {
			if ar.client.AllowsScope(sc) && !slices.Contains(ar.scopes, sc) {
				ar.scopes = append(ar.scopes, sc)
			}
		}
		p["scope"] = joinScope(ar.scopes) // consent and the code cover them
	}
	return nil
}

// needsLogin reports whether the user must sign in (again): no session,
// prompt=login, or a session older than max_age (OIDC Core §3.1.2.1).
func (o *oidcRequest) needsLogin(sess authcore.Session, signedIn bool, now time.Time) bool {
	if !signedIn || o.prompt["login"] {
		return true
	}
	// max_age=0 always asks (on the way back it is dropped, like
	// prompt=login), even when the clock has not moved since sign-in.
	return o.maxAge == 0 || o.maxAge > 0 && now.Sub(sess.AuthTime) > time.Duration(o.maxAge)*time.Second
}

// without returns p with value v removed from prompt and the named
// parameters deleted: the request to come back to once the user has
// signed in or consented, so the same prompt does not ask again.
func without(p params, v string, names ...string) params {
	q := make(params, len(p))
	for k, x := range p {
		q[k] = x
	}
	if raw := q.get("prompt"); raw != "" {
		var keep []string
		for _, x := range strings.Split(raw, " ") {
			if x != v && !(v == "login" && x == "select_account") {
				keep = append(keep, x)
			}
		}
		q["prompt"] = strings.Join(keep, " ")
		if len(keep) == 0 {
			delete(q, "prompt")
		}
	}
	for _, n := range names {
		delete(q, n)
	}
	return q
}
