package flow

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// userinfo calls the UserInfo endpoint (OIDC Core §5.3) with Options.Token
// or a user's access token obtained by the code flow, and checks sub
// against the ID token when there is one.
func (r *runner) userinfo() error {
	ep, err := r.endpoint("userinfo_endpoint")
	if err != nil {
		return err
	}
	tok, err := r.acquire(true)
	if err != nil {
		return err
	}
	s, rep, err := r.bearer("UserInfo", ep, tok)
	if err != nil {
		return err
	}
	var claims map[string]any
	if rep.Status != http.StatusOK || json.Unmarshal(rep.Body, &claims) != nil {
		s.check(CheckStatus, false, fmt.Sprintf("HTTP %d %s", rep.Status, rep.Header.Get("WWW-Authenticate")))
		return fmt.Errorf("flow: UserInfo answered %d", rep.Status)
	}
	s.check(CheckStatus, true, "HTTP 200 with JSON claims")
	sub := claimString(claims, "sub")
	if raw := r.t.raw["id_token"]; raw != "" {
		_, idc, _ := splitJWT(raw)
		want := claimString(idc, "sub")
		s.check(CheckSubjectMatches, sub != "" && sub == want,
			fmt.Sprintf("sub %q, ID token sub %q (OIDC Core §5.3.2)", sub, want))
	} else {
		s.check(CheckSubjectMatches, sub != "", fmt.Sprintf("sub %q present", sub))
	}
	return nil
}

// callAPI calls Options.APIURL with the access token as a bearer token
// (RFC 6750 §2.1), the way a client calls a gateway route.
func (r *runner) callAPI() error {
	tok, err := r.acquire(false)
	if err != nil {
		return err
	}
	return r.callRoute("Call the API", tok)
}

// callRoute GETs Options.APIURL with tok as a bearer token and checks
// for a 2xx answer.
func (r *runner) callRoute(name, tok string) error {
	s, rep, err := r.bearer(name, r.o.APIURL, tok)
	if err != nil {
		return err
	}
	ok := rep.Status >= 200 && rep.Status < 300
	detail := fmt.Sprintf("HTTP %d", rep.Status)
	if w := rep.Header.Get("WWW-Authenticate"); w != "" {
		detail += "; WWW-Authenticate: " + w
	}
	s.check(CheckStatus, ok, detail)
	if !ok {
		return fmt.Errorf("flow: the API answered %d", rep.Status)
	}
	return nil
}

// bearer GETs target with an Authorization: Bearer header.
func (r *runner) bearer(name, target, token string) (*Step, *reply, error) {
	h := http.Header{"Authorization": {"Bearer " + token}}
	return r.send(name, http.MethodGet, target, h, "")
}

// Token types of RFC 8693 §3.
const (
	TokenTypeAccess    = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeRefresh   = "urn:ietf:params:oauth:token-type:refresh_token"
	TokenTypeID        = "urn:ietf:params:oauth:token-type:id_token"
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// exchange runs an RFC 8693 token exchange with Options.Token (or a token
// obtained first) as the subject token.
func (r *runner) exchange() error {
	subject, err := r.acquire(false)
	if err != nil {
		return err
	}
	v := url.Values{"grant_type": {GrantTokenExchange}, "subject_token": {subject},
		"subject_token_type": {TokenTypeAccess}}
	if r.o.Audience != "" {
		v.Set("audience", r.o.Audience)
	}
	if r.o.Resource != "" {
		v.Set("resource", r.o.Resource)
	}
	if r.o.Scope != "" {
		v.Set("scope", r.o.Scope)
	}
	s, tr, err := r.token("Token exchange", v)
	if err != nil {
		return err
	}
	s.check(CheckIssuedTokenType, tr.IssuedTokenType != "",
		fmt.Sprintf("issued_token_type %q (RFC 8693 §2.2.1)", tr.IssuedTokenType))
	if !contains(r.md.strings("grant_types_supported"), GrantTokenExchange) {
		s.note("the issuer does not list token exchange in grant_types_supported")
	}
	return nil
}
