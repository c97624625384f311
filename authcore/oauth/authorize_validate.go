package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// resolveClient checks client_id and redirect_uri, the two parameters
// whose failure must never redirect (OAuth 2.1 §4.1.2.1, RFC 9700 §4.11.2).
func (s *Server) resolveClient(ctx context.Context, p params, dup string) (*authRequest, error) {
	if dup == "client_id" || dup == "redirect_uri" {
		return nil, errInvalidRequest("client_id or redirect_uri sent more than once")
	}
	id := p.get("client_id")
	if id == "" {
		return nil, errInvalidRequest("client_id is missing")
	}
	c, err := s.store.GetClient(ctx, id)
	if errors.Is(err, authcore.ErrNotFound) {
		return nil, errInvalidRequest("unknown client")
	}
	if err != nil {
		return nil, unavailable(err)
	}
	ar := &authRequest{client: c, p: p, state: p.get("state")}
	sent := p.get("redirect_uri")
	switch {
	case sent != "":
		if !matchRedirect(c.RedirectURIs, sent) {
			return nil, errInvalidRequest("redirect_uri is not registered for this client")
		}
		ar.redirectURI, ar.sentRedirect = sent, sent
	case len(c.RedirectURIs) == 1:
		ar.redirectURI = c.RedirectURIs[0]
	default:
		// OAuth 2.1 §2.3.2: required when several (or none) are registered.
		return nil, errInvalidRequest("redirect_uri is required for this client")
	}
	// Set before any error is answered, which goes back in this mode.
	ar.mode, ar.modeErr = parseResponseMode(p.get("response_mode"))
	return ar, nil
}

// validateAuthRequest checks the rest of the request; its errors are
// answered by redirect (OAuth 2.1 §4.1.2.1).
func (s *Server) validateAuthRequest(ar *authRequest, p params, dup string) error {
	if dup != "" {
		if dup == "state" {
			ar.state = ""
		}
		return errInvalidRequest("parameter " + dup + " sent more than once")
	}
	if ar.modeErr != nil {
		return ar.modeErr
	}
	switch rt := p.get("response_type"); {
	case rt == "":
		return errInvalidRequest("response_type is missing")
	case rt != "code":
		return newError(CodeUnsupportedResponseType, http.StatusBadRequest,
			"only response_type=code is supported")
	}
	if !ar.client.AllowsGrant(authcore.GrantAuthorizationCode) {
		return newError(CodeUnauthorizedClient, http.StatusBadRequest,
			"client may not use the authorization code grant")
	}
	// OAuth 2.1 §4.1.1: PKCE is required for every client; only S256.
	if !p.has("code_challenge") {
		return errInvalidRequest("code_challenge is required")
	}
	if p.get("code_challenge_method") != "S256" {
		return errInvalidRequest("code_challenge_method must be S256")
	}
	if !validPKCEValue(p.get("code_challenge")) {
		return errInvalidRequest("code_challenge is malformed")
	}
	ar.challenge = p.get("code_challenge")
	if len(p.get("nonce")) > maxNonce {
		return errInvalidRequest("nonce is too long")
	}
	ar.nonce = p.get("nonce")
	if err := s.validateDPoPJKT(ar, p); err != nil { // RFC 9449 §10, dpop.go
		return err
	}
	scopes, err := parseScope(p.get("scope"))
	if err != nil {
		return errInvalidScope("scope is malformed")
	}
	for _, sc := range scopes {
		if !ar.client.AllowsScope(sc) {
			return errInvalidScope("scope " + sc + " is not allowed for this client")
		}
	}
	ar.scopes = scopes
	return nil
}
