package flow

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// tokenResponse is a token endpoint answer (RFC 6749 §5.1, §5.2; RFC 8693
// §2.2).
type tokenResponse struct {
	AccessToken     string  `json:"access_token"`
	TokenType       string  `json:"token_type"`
	ExpiresIn       float64 `json:"expires_in"`
	RefreshToken    string  `json:"refresh_token"`
	IDToken         string  `json:"id_token"`
	Scope           string  `json:"scope"`
	IssuedTokenType string  `json:"issued_token_type"`
	// AuthorizationDetails is what was granted (RFC 9396 §7).
	AuthorizationDetails json.RawMessage `json:"authorization_details"`
	Error                string          `json:"error"`
	ErrorDescription     string          `json:"error_description"`
}

// ProtocolError is an OAuth error answer (RFC 6749 §5.2): Run returns it
// (wrapped) when the flow's main request is refused, and callers can
// errors.As for it.
type ProtocolError struct {
	Step        string
	Status      int
	Code        string
	Description string
}

// Error implements error.
func (e *ProtocolError) Error() string {
	s := fmt.Sprintf("flow: %s: HTTP %d", e.Step, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// protocolError reads an error body into a ProtocolError.
func protocolError(step string, rep *reply) *ProtocolError {
	var body struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	_ = json.Unmarshal(rep.Body, &body)
	return &ProtocolError{Step: step, Status: rep.Status, Code: body.Error, Description: body.ErrorDescription}
}

// token posts a token request, checks the answer and decodes its tokens
// onto the step. A non-200 answer is a *ProtocolError.
func (r *runner) token(name string, v url.Values) (*Step, *tokenResponse, error) {
	ep, err := r.endpoint("token_endpoint")
	if err != nil {
		return nil, nil, err
	}
	s, rep, err := r.form(name, ep, v)
	if err != nil {
		return s, nil, err
	}
	var tr tokenResponse
	jsonErr := json.Unmarshal(rep.Body, &tr)
	if rep.Status != http.StatusOK {
		pe := protocolError(name, rep)
		s.check(CheckStatus, false, fmt.Sprintf("HTTP %d %s %s", rep.Status, pe.Code, pe.Description))
		return s, &tr, pe
	}
	if jsonErr != nil {
		s.check(CheckStatus, false, "HTTP 200 but the body is not JSON")
		return s, nil, fmt.Errorf("flow: %s: the token response is not JSON", name)
	}
	s.check(CheckStatus, true, "HTTP 200")
	r.checkTokenResponse(s, &tr)
	return s, &tr, nil
}

// checkTokenResponse records the RFC 6749 §5.1 / OAuth 2.1 §3.2.3 checks
// and decodes every token in the answer.
func (r *runner) checkTokenResponse(s *Step, tr *tokenResponse) {
	cc := s.Response.Header.Get("Cache-Control")
	s.check(CheckNoStore, hasDirective(cc, "no-store"), fmt.Sprintf("Cache-Control: %q (OAuth 2.1 §3.2.3)", cc))
	s.check(CheckAccessToken, tr.AccessToken != "", "access_token present")
	tt := strings.ToLower(tr.TokenType)
	s.check(CheckTokenType, tt == "bearer" || tt == "dpop" || tt == "n_a",
		fmt.Sprintf("token_type %q", tr.TokenType))
	s.check(CheckExpiresIn, tr.ExpiresIn > 0, fmt.Sprintf("expires_in %v (RFC 6749 §5.1 recommends it)", tr.ExpiresIn))
	if tr.Scope != "" {
		s.note("granted scope: " + tr.Scope)
	}
	r.checkDetails(s, tr) // rar.go
	for _, t := range []struct {
		name, value string
		expires     float64
	}{{"access_token", tr.AccessToken, tr.ExpiresIn}, {"id_token", tr.IDToken, 0}, {"refresh_token", tr.RefreshToken, 0}} {
		if t.value == "" {
			continue
		}
		tok := r.decodeToken(s, r.tokenPrefix+t.name, t.value, t.expires)
		s.Tokens = append(s.Tokens, tok)
		r.keep(tok, t.value)
	}
}

// keep remembers a token as one the run ended with.
func (r *runner) keep(tok Token, raw string) {
	if r.t.raw == nil {
		r.t.raw = map[string]string{}
	}
	r.t.raw[tok.Name] = raw
	for i, old := range r.t.Tokens {
		if old.Name == tok.Name {
			r.t.Tokens[i] = tok
			return
		}
	}
	r.t.Tokens = append(r.t.Tokens, tok)
}

// hasDirective reports whether a Cache-Control value holds directive d.
func hasDirective(cc, d string) bool {
	for _, p := range strings.Split(cc, ",") {
		if strings.EqualFold(strings.TrimSpace(p), d) {
			return true
		}
	}
	return false
}
