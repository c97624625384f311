package oauth

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// clientEndpoint is what sets one of the form-POST endpoints where a
// client authenticates (/token, /par, /device_authorization, /revoke,
// /introspect) apart from the others in s.clientRequest. The values are
// package variables, so a request allocates nothing for them.
type clientEndpoint struct {
	// perClient applies the per-client ceiling (Policy.ClientRate) to
	// the claimed client_id, after the per-IP one.
	perClient bool
	// precheck, when set, vets the parameters before the client
	// authenticates; its error is answered and no failed attempt is
	// spent.
	precheck func(s *Server, p params) error
	// authError, when set, sees every authentication's outcome and
	// returns the error to answer (nil to go on): it rewrites a failure
	// the endpoint answers differently, or refuses a client.
	authError func(ca clientAuth, err error) error
}

var (
	// tokenEndpoint: an absent or unknown grant_type is answered before
	// authentication (OAuth 2.1 §3.2.2).
	tokenEndpoint  = clientEndpoint{perClient: true, precheck: checkGrantType}
	parEndpoint    = clientEndpoint{perClient: true, authError: parAuthError}
	deviceEndpoint = clientEndpoint{perClient: true}
	revokeEndpoint = clientEndpoint{perClient: true}
	// introspectEndpoint: confidential callers only, 401 (RFC 7662 §2.1).
	introspectEndpoint = clientEndpoint{perClient: true, authError: introspectAuthError}
)

// clientRequest runs what the client-authenticated endpoints share: the
// per-IP ceiling, no credentials in the URL, a capped
// application/x-www-form-urlencoded body without duplicate parameters
// (readForm), the per-client ceiling, and one client authentication
// behind the failed-attempt guard (authenticateClient). On any refusal
// it has answered (429 with Retry-After, or the OAuth error with its
// status and WWW-Authenticate as writeError sets them) and returns false.
func (s *Server) clientRequest(w http.ResponseWriter, r *http.Request, e *clientEndpoint) (clientAuth, params, bool) {
	if !s.admit(w, r, s.ipRL, remoteIP(r)) {
		return clientAuth{}, nil, false
	}
	if err := checkQuery(r); err != nil {
		s.fail(w, r, err)
		return clientAuth{}, nil, false
	}
	p, err := readForm(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		s.fail(w, r, err)
		return clientAuth{}, nil, false
	}
	basic := basicOf(r) // clientauth.go
	if e.perClient && !s.admit(w, r, s.clientRL, claimedClientID(basic, p)) {
		return clientAuth{}, nil, false
	}
	if e.precheck != nil {
		if err := e.precheck(s, p); err != nil {
			s.fail(w, r, err)
			return clientAuth{}, nil, false
		}
	}
	ca, err := s.authenticateClient(r.Context(), r, p, basic)
	if e.authError != nil {
		err = e.authError(ca, err)
	}
	if err != nil {
		s.fail(w, r, err)
		return clientAuth{}, nil, false
	}
	return ca, p, true
}

// checkGrantType refuses a token request without a grant_type or with
// one this server does not run (OAuth 2.1 §10: no implicit, no password).
func checkGrantType(s *Server, p params) error {
	gt := p.get("grant_type")
	if gt == "" {
		return errInvalidRequest("grant_type is missing")
	}
	if _, ok := s.grants[gt]; !ok {
		return newError(CodeUnsupportedGrantType, http.StatusBadRequest, "grant type not supported")
	}
	return nil
}

// parAuthError answers every failed client authentication at /par with
// 401 invalid_client (RFC 9126 §2.3, docs/security.md PAR-01).
func parAuthError(_ clientAuth, err error) error {
	var oe *Error
	if errors.As(err, &oe) && oe.Code == CodeInvalidClient && oe.Status != http.StatusUnauthorized {
		e := *oe
		e.Status, e.noChallenge = http.StatusUnauthorized, true
		return &e
	}
	return err
}

// introspectAuthError refuses public clients and answers every
// invalid_client with 401 and a Basic challenge (RFC 7662 §2.1).
func introspectAuthError(ca clientAuth, err error) error {
	if err == nil && ca.client.Type != authcore.Confidential {
		err = errInvalidClient("introspection requires a confidential client", true)
	}
	var oe *Error
	if errors.As(err, &oe) && oe.Code == CodeInvalidClient && oe.Status != http.StatusUnauthorized {
		err = errInvalidClient(oe.Description, true)
	}
	return err
}
