package oidc

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/dpop"
)

// typAccessToken is the typ of RFC 9068 access tokens.
const typAccessToken = "at+jwt"

// maxUserinfoBody bounds a POST /userinfo body.
const maxUserinfoBody = 16 << 10

// invalidToken answers every token that is not good for /userinfo
// alike, whatever the reason (RFC 6750 §3.1).
func invalidToken() *Error {
	return bearerError(http.StatusUnauthorized, "invalid_token", descInvalidToken)
}

// accessClaims are the access-token claims userinfo relies on.
type accessClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
	// GrantID names a pairwise client's grant (subject.go).
	GrantID string `json:"grant_id,omitempty"`
	// Cnf is the sender constraint (userinfo_binding.go).
	Cnf *dpop.Binding `json:"cnf,omitempty"`
}

// handleUserinfo is GET and POST /userinfo (OIDC Core §5.3). The access
// token is accepted from the Authorization header only (RFC 6750 §2.1):
// one in the query or body alone counts as no authentication (401, a
// bare Bearer challenge); one there as well as in the header is
// invalid_request (400, RFC 6750 §2). An invalid, expired or revoked
// token, or one whose user is gone or disabled, is 401 invalid_token; a
// token without the openid scope is 403 insufficient_scope. The answer
// holds sub and the claims the token's scopes release (§5.4).
func (p *Provider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	hdr := r.Header.Values("Authorization")
	inQuery := r.URL.Query().Has("access_token")
	inBody, err := bodyHasToken(w, r)
	if err != nil {
		writeError(w, bearerError(http.StatusBadRequest, "invalid_request", "unreadable request body"))
		return
	}
	if len(hdr) > 1 {
		writeError(w, bearerError(http.StatusBadRequest, "invalid_request", "more than one Authorization header"))
		return
	}
	var token string
	var dpopScheme bool // RFC 9449 §7.1
	if len(hdr) == 1 {
		scheme, rest, _ := strings.Cut(hdr[0], " ")
		if dpopScheme = strings.EqualFold(scheme, "DPoP"); dpopScheme || strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(rest)
		}
	}
	switch {
	case token != "" && (inQuery || inBody):
		writeError(w, bearerError(http.StatusBadRequest, "invalid_request", "the access token was sent more than one way"))
		return
	case token == "":
		writeError(w, bearerError(http.StatusUnauthorized, "", ""))
		return
	}
	claims, why := p.verifyAccess(r, token)
	if why != "" {
		writeError(w, bearerError(http.StatusUnauthorized, "invalid_token", why))
		return
	}
	if e := p.checkBinding(r, token, claims, dpopScheme); e != nil { // DPoP, mTLS: userinfo_binding.go
		writeError(w, e)
		return
	}
	scopes := strings.Fields(claims.Scope)
	if !slices.Contains(scopes, "openid") {
		e := bearerError(http.StatusForbidden, "insufficient_scope", "the access token lacks the openid scope")
		e.Scope = "openid"
		writeError(w, e)
		return
	}
	local, err := p.localOfAccess(r.Context(), claims) // pairwise: subject.go
	if err != nil {
		p.log.Error().Err(err).Msg("oidc: userinfo: resolve subject")
		writeError(w, unavailable())
		return
	}
	if local == "" {
		writeError(w, invalidToken())
		return
	}
	u, err := p.store.GetUser(r.Context(), local)
	if errors.Is(err, authcore.ErrNotFound) || (err == nil && u.Disabled) {
		writeError(w, invalidToken())
		return
	} else if err != nil {
		p.log.Error().Err(err).Msg("oidc: userinfo: read user")
		writeError(w, unavailable())
		return
	}
	out := userClaims(u, scopes)
	out["sub"] = claims.Subject // the sub the client saw in its ID token
	writeJSON(w, http.StatusOK, out)
}

// Descriptions of a refused access token (RFC 6750 §3): printable
// ASCII, no quotes, as the WWW-Authenticate challenge carries them.
const (
	descInvalidToken  = "the access token is invalid, expired or revoked"
	descWrongAudience = "the access token is not meant for userinfo: its audience does not include the issuer"
)

// verifyAccess checks an access token of this issuer: signature, typ
// at+jwt, exp, iss, jti, that it was not revoked, and that it is meant
// for userinfo (forUserinfo). It returns the claims, or why the token is
// refused: a token only refused for its audience says so, so that a
// client sees it must not ask for a resource when it signs in. A storage
// failure counts as invalid (fail closed).
func (p *Provider) verifyAccess(r *http.Request, token string) (*accessClaims, string) {
	if len(token) > maxHintLen || strings.Count(token, ".") != 2 {
		return nil, descInvalidToken
	}
	var c accessClaims
	if _, err := p.signer.Verify(token, typAccessToken, &c); err != nil {
		return nil, descInvalidToken
	}
	if c.Issuer != p.cfg.Issuer || c.ID == "" || c.Subject == "" || c.ExpiresAt == nil ||
		!p.now().Before(c.ExpiresAt.Time) {
		return nil, descInvalidToken
	}
	revoked, err := p.store.IsRevoked(r.Context(), c.ID)
	if err != nil {
		p.log.Error().Err(err).Msg("oidc: userinfo: revocation check")
		return nil, descInvalidToken
	}
	switch {
	case revoked:
		return nil, descInvalidToken
	case !p.forUserinfo(c.Audience):
		return nil, descWrongAudience
	}
	return &c, ""
}

// forUserinfo reports whether a token's audience includes this server's
// own resources: the issuer (the default audience) or the userinfo URL. A
// token issued for an API (RFC 8707) is refused here, as any resource
// server must refuse a token not meant for it (RFC 9700 §2.3).
func (p *Provider) forUserinfo(aud jwt.ClaimStrings) bool {
	return slices.Contains(aud, p.cfg.Issuer) || slices.Contains(aud, p.cfg.Issuer+"/userinfo")
}

// bodyHasToken reports whether a POST form body carries access_token.
func bodyHasToken(w http.ResponseWriter, r *http.Request) (bool, error) {
	if r.Method != http.MethodPost || r.Body == nil {
		return false, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return false, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUserinfoBody))
	if err != nil {
		return false, err
	}
	q, err := url.ParseQuery(string(b))
	if err != nil {
		return false, err
	}
	return q.Has("access_token"), nil
}
