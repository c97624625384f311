package oauth

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/authcore"
)

// cibaRequest is a validated backchannel authentication request.
type cibaRequest struct {
	user        authcore.User
	scopes      []string
	acr         []string
	binding     string
	notifyToken string
	lifetime    time.Duration
	// CreatedAt and ExpiresAt are set when it is stored.
	CreatedAt, ExpiresAt time.Time
}

// parseCIBA checks a request of client c (CIBA Core 1.0 §7.1, §13): the
// CIBA grant registered; no signed request and no user_code (neither is
// implemented); a scope with openid, every value allowed for c; exactly
// one hint (login_hint_token is not supported); a short plain-text
// binding_message; requested_expiry within the bounds; the ping mode's
// client_notification_token; and the user the hint names. An unknown,
// disabled or locked user is unknown_user_id alike.
func (s *Server) parseCIBA(ctx context.Context, c authcore.Client, p params) (*cibaRequest, error) {
	if !c.AllowsGrant(authcore.GrantCIBA) {
		return nil, newError(CodeUnauthorizedClient, http.StatusBadRequest, "client may not use backchannel authentication")
	}
	switch {
	case p.has("request"):
		return nil, errInvalidRequest("signed authentication requests are not supported")
	case p.has("user_code"):
		return nil, errInvalidRequest("user_code is not supported")
	}
	req := &cibaRequest{}
	var err error
	if req.scopes, err = parseScope(p.get("scope")); err != nil {
		return nil, errInvalidScope("scope is malformed")
	}
	if !subset([]string{scopeOpenID}, req.scopes) {
		return nil, errInvalidRequest("scope must include openid")
	}
	for _, sc := range req.scopes {
		if !c.AllowsScope(sc) {
			return nil, errInvalidScope("scope " + sc + " is not allowed for this client")
		}
	}
	if req.acr = strings.Fields(p.get("acr_values")); len(req.acr) > maxACRValues {
		return nil, errInvalidRequest("too many acr_values")
	}
	if req.binding, err = bindingMessage(p.get("binding_message")); err != nil {
		return nil, err
	}
	if req.lifetime, err = s.cibaLifetime(p.get("requested_expiry")); err != nil {
		return nil, err
	}
	if c.BackchannelTokenDeliveryMode == authcore.CIBAPing {
		tok := p.get("client_notification_token")
		if tok == "" || len(tok) > maxNotificationToken || !bearerChars(tok) {
			return nil, errInvalidRequest("the ping mode needs a client_notification_token (a bearer token of at most 1024 characters)")
		}
		req.notifyToken = tok
	}
	if req.user, err = s.hintedUser(ctx, p); err != nil {
		return nil, err
	}
	return req, nil
}

// bindingMessage checks binding_message: at most maxBindingMessage
// printable characters (CIBA Core 1.0 §7.1 asks for a short plain text).
func bindingMessage(m string) (string, error) {
	if !utf8.ValidString(m) || utf8.RuneCountInString(m) > maxBindingMessage {
		return "", newError(CodeInvalidBindingMessage, http.StatusBadRequest, "binding_message must be at most 64 printable characters")
	}
	for _, r := range m {
		if !unicode.IsPrint(r) {
			return "", newError(CodeInvalidBindingMessage, http.StatusBadRequest, "binding_message must be at most 64 printable characters")
		}
	}
	return m, nil
}

// bearerChars reports whether t has only the b64token characters of
// RFC 6750 §2.1, so it fits an Authorization header.
func bearerChars(t string) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/=", c) >= 0) {
			return false
		}
	}
	return true
}

// cibaLifetime is the request's lifetime: requested_expiry seconds
// (a positive integer up to MaxLifetime), or the default.
func (s *Server) cibaLifetime(raw string) (time.Duration, error) {
	max := orDefault(s.cfg.CIBA.MaxLifetime, DefaultCIBAMaxLifetime)
	if raw == "" {
		return min(orDefault(s.cfg.CIBA.Lifetime, DefaultCIBALifetime), max), nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 || n > int64(max/time.Second) {
		return 0, errInvalidRequest("requested_expiry must be a positive number of seconds up to " + strconv.FormatInt(int64(max/time.Second), 10))
	}
	return time.Duration(n) * time.Second, nil
}

// errUnknownUser is the one answer for every hint that names no usable
// user (CIBA Core 1.0 §13).
var errUnknownUser = newError(CodeUnknownUserID, http.StatusBadRequest, "the hint does not name a known user")

// hintedUser resolves the one hint of the request (CIBA Core 1.0 §7.1):
// login_hint is a username (in any case); id_token_hint an ID token this server
// signed (signature checked, accepted when expired as OIDC Core allows
// for hints), whose sub names the user.
func (s *Server) hintedUser(ctx context.Context, p params) (authcore.User, error) {
	n := 0
	for _, h := range []string{"login_hint", "id_token_hint", "login_hint_token"} {
		if p.has(h) {
			n++
			if len(p.get(h)) > maxHintLength {
				return authcore.User{}, errInvalidRequest(h + " is too long")
			}
		}
	}
	if n != 1 {
		return authcore.User{}, errInvalidRequest("send exactly one of login_hint, id_token_hint and login_hint_token")
	}
	var u authcore.User
	var err error
	switch {
	case p.has("login_hint_token"):
		return u, errInvalidRequest("login_hint_token is not supported")
	case p.has("login_hint"):
		// Usernames are stored lower-cased (login.normalizeUsername).
		u, err = s.store.GetUserByUsername(ctx, strings.ToLower(p.get("login_hint")))
	default:
		sub, herr := s.cfg.OpenID.HintSubject(p.get("id_token_hint"))
		if herr != nil {
			return u, errInvalidRequest("id_token_hint is not an ID token of this server")
		}
		u, err = s.store.GetUser(ctx, sub)
	}
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return u, errUnknownUser
	case err != nil:
		return u, unavailable(err)
	case u.Disabled || u.Locked(s.now()):
		return u, errUnknownUser
	}
	return u, nil
}
