package flow

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// introspectFlow introspects Options.Token, or a token obtained first
// (RFC 7662).
func (r *runner) introspectFlow() error {
	tok, err := r.acquire(false)
	if err != nil {
		return err
	}
	_, _, err = r.introspect("Introspection", tok, r.o.TokenTypeHint)
	return err
}

// introspect posts token to the introspection endpoint and returns the
// answer's members (RFC 7662 §2.2).
func (r *runner) introspect(name, token, hint string) (*Step, map[string]any, error) {
	ep, err := r.endpoint("introspection_endpoint")
	if err != nil {
		return nil, nil, err
	}
	v := url.Values{"token": {token}}
	if hint != "" {
		v.Set("token_type_hint", hint)
	}
	s, rep, err := r.form(name, ep, v)
	if err != nil {
		return s, nil, err
	}
	var ans map[string]any
	if rep.Status != http.StatusOK || json.Unmarshal(rep.Body, &ans) != nil {
		pe := protocolError(name, rep)
		s.check(CheckStatus, false, fmt.Sprintf("HTTP %d %s", rep.Status, pe.Code))
		return s, nil, pe
	}
	s.check(CheckStatus, true, "HTTP 200")
	active, _ := ans["active"].(bool)
	s.check(CheckIntrospection, active, fmt.Sprintf("active: %v", active))
	for _, k := range []string{"aud", "scope", "client_id", "sub", "exp"} {
		if v, ok := ans[k]; ok {
			s.note(fmt.Sprintf("%s: %v", k, v))
		}
	}
	return s, ans, nil
}

// revoke revokes Options.Token, or a token obtained first (RFC 7009), and
// then, when the client may introspect, shows the token is inactive.
func (r *runner) revoke() error {
	ep, err := r.endpoint("revocation_endpoint")
	if err != nil {
		return err
	}
	tok, err := r.acquire(false)
	if err != nil {
		return err
	}
	v := url.Values{"token": {tok}}
	if r.o.TokenTypeHint != "" {
		v.Set("token_type_hint", r.o.TokenTypeHint)
	}
	s, rep, err := r.form("Revocation", ep, v)
	if err != nil {
		return err
	}
	if rep.Status != http.StatusOK {
		pe := protocolError(s.Name, rep)
		s.check(CheckStatus, false, fmt.Sprintf("HTTP %d %s (RFC 7009 §2.2 answers 200)", rep.Status, pe.Code))
		return pe
	}
	s.check(CheckStatus, true, "HTTP 200 (RFC 7009 §2.2)")
	if r.md.string("introspection_endpoint") == "" || r.o.ClientSecret == "" {
		s.note("not introspected afterwards: no introspection endpoint or a public client")
		return nil
	}
	is, ans, err := r.introspect("Introspect the revoked token", tok, r.o.TokenTypeHint)
	if err != nil {
		return err
	}
	active, _ := ans["active"].(bool)
	is.Checks = is.Checks[:len(is.Checks)-1] // active is the point here, not a failure
	is.check(CheckRevoked, !active, fmt.Sprintf("active: %v after revocation", active))
	return nil
}
