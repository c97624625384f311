package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// failReg answers a registration error: 401s with a Bearer challenge (and
// no body when no credentials were sent, RFC 6750 §3.1), the rest as any
// OAuth error.
func (s *Server) failReg(w http.ResponseWriter, r *http.Request, err error) {
	writeBearerChallenge(w, err)
	var oe *Error
	if errors.As(err, &oe) && oe.Code == "" {
		noStore(w.Header())
		w.WriteHeader(oe.Status)
		return
	}
	s.fail(w, r, err)
}

// configuredClient authenticates an RFC 7592 request: the client named in
// the path with the registration access token in the Authorization
// header. An unknown client, a client without a registration token, or
// another client's token is 401 invalid_token (RFC 7592 §2.1), all alike.
func (s *Server) configuredClient(ctx context.Context, r *http.Request) (authcore.Client, string, error) {
	if !s.admitQuiet(r) {
		return authcore.Client{}, "", newError(CodeTemporarilyUnavailable, http.StatusTooManyRequests, "too many requests")
	}
	tok, ok := bearerToken(r)
	if !ok {
		return authcore.Client{}, "", errBearer("", "a registration access token is required")
	}
	bad := errBearer(CodeInvalidToken, "the registration access token is not valid for this client")
	c, err := s.store.GetClient(ctx, r.PathValue("client_id"))
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return c, "", bad
	case err != nil:
		return c, "", unavailable(err)
	case !registrationTokenMatches(c, tok):
		return c, "", bad
	}
	return c, tok, nil
}

// admitQuiet applies the per-IP request limit of the token endpoint to a
// management call, leaving the answer to the caller.
func (s *Server) admitQuiet(r *http.Request) bool {
	ok, _ := allow(s.ipRL, remoteIP(r), s.now())
	return ok
}

// handleClientRead is GET /register/{client_id} (RFC 7592 §2.1): the
// current registration, with the token presented (the stored one is a
// hash) and without the secret (also a hash).
func (s *Server) handleClientRead(w http.ResponseWriter, r *http.Request) {
	c, tok, err := s.configuredClient(r.Context(), r)
	if err != nil {
		s.failReg(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.clientInformation(c, "", tok))
}

// handleClientUpdate is PUT /register/{client_id} (RFC 7592 §2.2): the
// body replaces every metadata value, validated as at registration; its
// client_id must be the client's, and a client_secret, if sent, must be
// the current one. Id, secret and registration token stay.
func (s *Server) handleClientUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, tok, err := s.configuredClient(ctx, r)
	if err != nil {
		s.failReg(w, r, err)
		return
	}
	req, err := s.readRegistration(w, r)
	if err != nil {
		s.failReg(w, r, err)
		return
	}
	switch {
	case req.ClientID != c.ID:
		err = newError(CodeInvalidRequest, http.StatusBadRequest, "client_id must be the registered client's")
	case req.ClientSecret != "" && !s.secretMatches(c, req.ClientSecret):
		err = newError(CodeInvalidClientMetadata, http.StatusBadRequest, "client_secret does not match")
	}
	if err != nil {
		s.failReg(w, r, err)
		return
	}
	spec, err := s.spec(req)
	if err == nil {
		err = s.defaultScopes(ctx, &spec)
	}
	if err == nil {
		err = s.checkClientName(ctx, spec.Name, c.ID) // register_names.go
	}
	if err == nil && spec.Type != c.Type {
		err = newError(CodeInvalidClientMetadata, http.StatusBadRequest,
			"token_endpoint_auth_method cannot change between public and confidential")
	}
	if err == nil {
		c, err = s.UpdateClient(ctx, c.ID, spec)
	}
	if err != nil {
		s.failReg(w, r, registrationError(err))
		return
	}
	writeJSON(w, http.StatusOK, s.clientInformation(c, "", tok))
}

// handleClientDelete is DELETE /register/{client_id} (RFC 7592 §2.3): the
// client is removed (its tokens then fail client lookups) and 204
// answered.
func (s *Server) handleClientDelete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, _, err := s.configuredClient(ctx, r)
	if err == nil {
		err = s.store.DeleteClient(ctx, c.ID)
		if err == nil {
			err = s.revokeGrantsOf(ctx, c.ID)
		}
		if errors.Is(err, authcore.ErrNotFound) {
			err = errBearer(CodeInvalidToken, "the registration access token is not valid for this client")
		} else if err != nil {
			err = unavailable(err)
		}
	}
	if err != nil {
		s.failReg(w, r, err)
		return
	}
	s.record(ctx, audit.Event{Type: audit.ClientDeleted, ClientID: c.ID,
		Details: map[string]any{"registration": "dynamic"}})
	noStore(w.Header())
	w.WriteHeader(http.StatusNoContent)
}
