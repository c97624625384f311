package oauth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// RequestURIPrefix starts every request_uri Latchkey issues (RFC 9126
// §2.2). /authorize accepts no other request_uri and never fetches one
// (RFC 9126 §7.3, docs/security.md PAR-04; Keycloak CVE-2020-10770).
const RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// CodeInvalidRequestURI is the error of an unknown, expired, used or
// foreign request_uri (RFC 9101 §6.2, RFC 9126 §4).
const CodeInvalidRequestURI = "invalid_request_uri"

// DefaultPARLifetime is how long a pushed request lives unless
// Config.PARLifetime says otherwise; it stays under FAPI 2.0's 600 s
// (§5.3.2.2-12) and leaves time to sign in.
const DefaultPARLifetime = 300 * time.Second

// nonceKindPAR is the authcore.Nonces kind that spends a request_uri.
const nonceKindPAR = "par"

// clientAuthParams authenticate the client and are never stored with a
// pushed request.
var clientAuthParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

// parLifetime is the configured lifetime, kept within 60 s .. 599 s.
func (s *Server) parLifetime() time.Duration {
	d := s.cfg.PARLifetime
	switch {
	case d <= 0:
		return DefaultPARLifetime
	case d < time.Minute:
		return time.Minute
	case d >= 600*time.Second:
		return 599 * time.Second
	}
	return d
}

// handlePAR is POST /par (RFC 9126 §2): the client authenticates as at
// the token endpoint, the request is validated as /authorize would
// (including a request object, RFC 9126 §3), stored, and answered 201
// with its request_uri and expires_in. A request_uri in the body is
// invalid_request (RFC 9126 §2.1). A DPoP proof binds the request's code
// to its key (RFC 9449 §10.1, parDPoP).
func (s *Server) handlePAR(w http.ResponseWriter, r *http.Request) {
	ca, p, ok := s.clientRequest(w, r, &parEndpoint) // endpoint.go
	if !ok {
		return
	}
	ctx := r.Context()
	if err := s.fapiClientAuth(ca, p); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.has("request_uri") {
		s.fail(w, r, errInvalidRequest("request_uri is not allowed at the PAR endpoint"))
		return
	}
	jkt, err := s.endpointDPoP(ctx, w, r, "/par") // RFC 9449 §10.1
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, name := range clientAuthParams {
		delete(p, name)
	}
	if p.has("request") {
		if p, err = s.verifyRequestObject(p.get("request"), ca.client); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if p.get("client_id") != ca.client.ID {
		p["client_id"] = ca.client.ID
	}
	if err := s.parDPoP(jkt, p); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.validatePushed(ctx, ca.client, p); err != nil {
		s.fail(w, r, err)
		return
	}
	uri, exp, err := s.pushRequest(ctx, ca.client.ID, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"request_uri": uri,
		"expires_in": int64(exp / time.Second)})
}

// validatePushed runs the /authorize validation on a pushed request; its
// errors are answered as JSON (RFC 9126 §2.3).
func (s *Server) validatePushed(ctx context.Context, c authcore.Client, p params) error {
	if c.FAPI && !p.has("redirect_uri") {
		return errInvalidRequest("redirect_uri is required (FAPI 2.0 §5.3.2.2)")
	}
	ar, err := s.resolveClient(ctx, p, "")
	if err != nil {
		return err
	}
	if err := s.validateAuthRequest(ar, p, ""); err != nil {
		return err
	}
	if _, err := s.checkResources(c, p.get("resource"), true); err != nil {
		return err
	}
	if _, err := s.parseDetails(ctx, c, p.get("authorization_details")); err != nil { // rar.go
		return err
	}
	return s.parseOIDC(ar, clone(p))
}

// pushRequest stores p for client and returns its request_uri and
// lifetime.
func (s *Server) pushRequest(ctx context.Context, clientID string, p params) (string, time.Duration, error) {
	return s.pushRequestUntil(ctx, clientID, p, s.now().Add(s.parLifetime()))
}

func (s *Server) pushRequestUntil(ctx context.Context, clientID string, p params, exp time.Time) (string, time.Duration, error) {
	id, err := s.randomToken(32)
	if err != nil {
		return "", 0, internal(err)
	}
	now := s.now()
	pr := authcore.PushedRequest{Hash: hashToken(id), ClientID: clientID, Params: clone(p),
		ExpiresAt: exp, CreatedAt: now}
	if err := s.store.CreatePushedRequest(ctx, pr); err != nil {
		return "", 0, unavailable(err)
	}
	return RequestURIPrefix + id, exp.Sub(now).Round(time.Second), nil
}

// clone copies p.
func clone(p params) params {
	q := make(params, len(p))
	for k, v := range p {
		q[k] = v
	}
	return q
}

// requestRef is where an authorization request's parameters came from.
type requestRef struct {
	clientID string // the client_id sent outside
	hash     string // the pushed request's hash, "" when not pushed
	uri      string // its request_uri
	pushed   bool   // sent as a request_uri from PAR
	object   bool   // sent as a request object by value
	expires  time.Time
	orig     params // the parameters as pushed or signed
}

// spend marks a pushed request used when the authorization completes
// (RFC 9126 §4; FAPI 2.0 §5.3.2.2 note: not at page load), so of two
// completions only one issues a code.
func (s *Server) spend(ctx context.Context, ref requestRef) error {
	if ref.hash == "" {
		return nil
	}
	switch err := s.store.UseOnce(ctx, nonceKindPAR, ref.hash, ref.expires.Add(time.Minute)); {
	case errors.Is(err, authcore.ErrConsumed):
		return newError(CodeInvalidRequestURI, http.StatusBadRequest, "request_uri was already used")
	case err != nil:
		return unavailable(err)
	}
	if err := s.store.DeletePushedRequest(ctx, ref.hash); err != nil {
		s.log.Warn().Err(err).Msg("oauth: delete spent pushed request")
	}
	return nil
}

// isPARURI reports whether v has the form of a Latchkey request_uri.
func isPARURI(v string) bool {
	return strings.HasPrefix(v, RequestURIPrefix) && len(v) > len(RequestURIPrefix) && len(v) < 200
}
