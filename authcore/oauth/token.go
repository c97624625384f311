package oauth

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/ratelimit"
)

// grantFunc is one grant type's half of the token endpoint: it gets a
// parsed request from an authenticated client and returns the response.
// Each lives in its own token_*.go file.
type grantFunc func(ctx context.Context, tr *tokenRequest) (*tokenResponse, error)

// tokenRequest is a token request parsed once and authenticated once.
type tokenRequest struct {
	p      params
	client authcore.Client
	method string
	// jkt and x5t are the request's sender constraint (token_bind.go):
	// DPoP key and client-certificate thumbprints, or "".
	jkt, x5t string
}

// tokenResponse is the successful response of RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	// IDToken is the OpenID Connect ID token (OIDC Core §3.1.3.3).
	IDToken string `json:"id_token,omitempty"`
	// IssuedTokenType is the type of a token-exchange result (RFC 8693
	// §2.2.1).
	IssuedTokenType string `json:"issued_token_type,omitempty"`
	// AuthorizationDetails are the details the access token carries
	// (RFC 9396 §7).
	AuthorizationDetails json.RawMessage `json:"authorization_details,omitempty"`
}

// handleToken is POST /token (OAuth 2.1 §3.2): rate limits, one parse,
// one client authentication, then the grant's handler.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	ca, p, ok := s.clientRequest(w, r, &tokenEndpoint) // grant_type vetted there, endpoint.go
	if !ok {
		return
	}
	if err := s.writable(); err != nil {
		s.fail(w, r, err) // every grant records what it issues
		return
	}
	ctx := r.Context()
	gt := p.get("grant_type")
	grant := s.grants[gt]
	if !ca.client.AllowsGrant(gt) {
		s.fail(w, r, newError(CodeUnauthorizedClient, http.StatusBadRequest,
			"client may not use this grant type"))
		return
	}
	tr := &tokenRequest{p: p, client: ca.client, method: ca.method}
	if err := s.bindRequest(ctx, w, r, tr); err != nil { // DPoP and mTLS, token_bind.go
		s.denied(ctx, ca.client.ID, gt, err)
		s.fail(w, r, err)
		return
	}
	if err := s.fapiToken(ca, tr); err != nil { // FAPI 2.0 mode, fapi.go
		s.denied(ctx, ca.client.ID, gt, err)
		s.fail(w, r, err)
		return
	}
	resp, err := grant(ctx, tr)
	if err != nil {
		s.denied(ctx, ca.client.ID, gt, err)
		s.fail(w, r, err)
		return
	}
	if resp.AccessToken != "" && tr.jkt != "" {
		resp.TokenType = tr.tokenType() // RFC 9449 §5.1
	}
	writeJSON(w, http.StatusOK, resp)
}

// admit applies a rate limit, answering 429 with Retry-After when the
// key is over it.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, l *ratelimit.Limiter, key string) bool {
	ok, wait := allow(l, key, s.now())
	if !ok {
		s.record(r.Context(), audit.Event{Type: audit.RateLimitHit, Outcome: audit.Failure,
			Reason: r.URL.Path})
		tooManyRequests(w, wait)
	}
	return ok
}

// denied audits a refused token request.
func (s *Server) denied(ctx context.Context, clientID, grantType string, err error) {
	s.record(ctx, audit.Event{Type: audit.TokenDenied, Outcome: audit.Failure,
		ClientID: clientID, Reason: publicError(err).Code,
		Details: map[string]any{"grant_type": grantType}})
}
