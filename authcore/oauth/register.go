package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/ratelimit"
)

// Registration error codes (RFC 7591 §3.2.2) and the bearer error of
// RFC 6750 §3.1 used by the registration endpoints.
const (
	CodeInvalidRedirectURI       = "invalid_redirect_uri"
	CodeInvalidClientMetadata    = "invalid_client_metadata"
	CodeInvalidSoftwareStatement = "invalid_software_statement"
	CodeInvalidToken             = "invalid_token"
)

// RegistrationConfig configures dynamic client registration (RFC 7591)
// and management (RFC 7592). The zero value leaves both off.
type RegistrationConfig struct {
	// Enabled mounts POST /register and /register/{client_id} and
	// advertises registration_endpoint (RFC 8414 §2).
	Enabled bool
	// Open lets anyone register; otherwise POST /register needs an
	// initial access token (RFC 7591 §3, CreateInitialAccessToken).
	Open bool
	// Scopes are the scopes a client may register, and get when it
	// names none; nil means the OpenID Connect ones (openid, profile,
	// email, address, phone, offline_access) that exist in the registry.
	Scopes []string
	// Rate and Burst limit registrations per IP (default 1 per 10 s,
	// burst 10; rate.Inf disables the limit).
	Rate  rate.Limit
	Burst int
}

// defaultRegistrableScopes are the scopes open to dynamic clients by
// default: none grants access to an API by itself.
var defaultRegistrableScopes = []string{"openid", "profile", "email", "address", "phone", "offline_access"}

// registrableScopes are the scopes a dynamic client may register.
func (s *Server) registrableScopes() []string {
	if s.cfg.Registration.Scopes != nil {
		return s.cfg.Registration.Scopes
	}
	return defaultRegistrableScopes
}

// mountRegistration adds the RFC 7591 and RFC 7592 endpoints when
// registration is enabled.
func (s *Server) mountRegistration(mux *http.ServeMux) {
	rc := s.cfg.Registration
	if !rc.Enabled {
		return
	}
	if rc.Rate == 0 {
		rc.Rate, rc.Burst = rate.Every(10*time.Second), 10
	}
	s.regRL = ratelimit.New(rc.Rate, rc.Burst)
	mux.HandleFunc("POST /register", s.handleRegister)
	mux.Handle("/register", methodNotAllowed("POST"))
	mux.HandleFunc("GET /register/{client_id}", s.handleClientRead)
	mux.HandleFunc("PUT /register/{client_id}", s.handleClientUpdate)
	mux.HandleFunc("DELETE /register/{client_id}", s.handleClientDelete)
	mux.Handle("/register/", methodNotAllowed("GET, PUT, DELETE"))
}

// handleRegister is POST /register (RFC 7591 §3): an initial access token
// unless registration is open, then the metadata validated in full; the
// server generates the client_id and secret (a proposed client_id or
// client_secret is ignored, RFC 9700 §4.15) and a registration access
// token for RFC 7592, stored only as its SHA-256.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !s.admit(w, r, s.regRL, remoteIP(r)) {
		return
	}
	if !s.cfg.Registration.Open {
		if err := s.useInitialAccessToken(ctx, r); err != nil {
			s.failReg(w, r, err)
			return
		}
	}
	req, err := s.readRegistration(w, r)
	if err != nil {
		s.failReg(w, r, err)
		return
	}
	c, secret, token, err := s.register(ctx, req)
	if err != nil {
		s.failReg(w, r, registrationError(err))
		return
	}
	writeJSON(w, http.StatusCreated, s.clientInformation(c, secret, token))
}

// readRegistration reads a JSON registration body (RFC 7591 §3.1),
// capped at MaxBodyBytes (413 past it).
func (s *Server) readRegistration(w http.ResponseWriter, r *http.Request) (registrationRequest, error) {
	var req registrationRequest
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return req, errInvalidRequest("content type must be application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return req, newError(CodeInvalidRequest, http.StatusRequestEntityTooLarge, "request body too large")
		}
		return req, newError(CodeInvalidClientMetadata, http.StatusBadRequest, "the body is not a JSON object of client metadata")
	}
	return req, nil
}

// register creates the client a registration request describes.
func (s *Server) register(ctx context.Context, req registrationRequest) (authcore.Client, string, string, error) {
	spec, err := s.spec(req)
	if err == nil {
		err = s.defaultScopes(ctx, &spec)
	}
	if err == nil {
		err = s.checkClientName(ctx, spec.Name, "") // register_names.go
	}
	if err != nil {
		return authcore.Client{}, "", "", err
	}
	c, err := s.validateSpec(ctx, spec)
	if err != nil {
		return authcore.Client{}, "", "", err
	}
	if c.ID, err = s.newID(); err != nil {
		return authcore.Client{}, "", "", err
	}
	var secret string
	if c.Type == authcore.Confidential && c.AuthMethod != authcore.AuthPrivateKeyJWT && !isMTLSMethod(c.AuthMethod) {
		if secret, err = s.randomToken(32); err != nil {
			return authcore.Client{}, "", "", err
		}
		c.SecretHash = s.hashSecret(secret)
	}
	token, err := s.randomToken(32)
	if err != nil {
		return authcore.Client{}, "", "", err
	}
	sum := sha256.Sum256([]byte(token))
	c.RegistrationTokenHash = sum[:]
	c.CreatedAt = s.now()
	c.UpdatedAt = c.CreatedAt
	if err := s.store.CreateClient(ctx, c); err != nil {
		return authcore.Client{}, "", "", unavailable(fmt.Errorf("oauth: register client: %w", err))
	}
	s.record(ctx, audit.Event{Type: audit.ClientCreated, ClientID: c.ID,
		Details: map[string]any{"name": c.Name, "type": string(c.Type), "grant_types": c.GrantTypes,
			"auth_method": c.AuthMethod, "registration": "dynamic"}})
	return c, secret, token, nil
}

// clientInformation is the RFC 7591 §3.2.1 response for c.
func (s *Server) clientInformation(c authcore.Client, secret, token string) registrationResponse {
	resp := registrationResponse{ClientID: c.ID, ClientSecret: secret, ClientIDIssuedAt: c.CreatedAt.Unix(),
		RegistrationToken: token, RegistrationURI: s.cfg.Issuer + "/register/" + c.ID,
		clientMetadata: metadataOf(c)}
	if c.Type == authcore.Confidential && len(c.SecretHash) > 0 {
		never := int64(0) // the secret does not expire
		resp.ClientSecretExpiresAt = &never
	}
	return resp
}

// registrationError maps validation failures to RFC 7591 §3.2.2 errors;
// anything else passes through (storage failures stay 503).
func registrationError(err error) error {
	var oe *Error
	switch {
	case errors.As(err, &oe):
		return oe
	}
	if msg, ok := authcore.PublicMessage(err, ErrInvalidRedirectURI); ok {
		return newError(CodeInvalidRedirectURI, http.StatusBadRequest, msg)
	}
	if msg, ok := authcore.PublicMessage(err, ErrInvalidClientMetadata); ok {
		return newError(CodeInvalidClientMetadata, http.StatusBadRequest, msg)
	}
	return unavailable(err)
}
