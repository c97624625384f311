package flow

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// authorizationCode runs the code flow with PKCE (OAuth 2.1 §4.1): it
// opens the authorization URL, catches the response on the loopback
// listener, checks state and iss, and redeems the code.
func (r *runner) authorizationCode(scope string) (*tokenResponse, error) {
	authz, err := r.endpoint("authorization_endpoint")
	if err != nil {
		return nil, err
	}
	verifier, err := r.random(32) // 43 characters (RFC 7636 §4.1)
	if err != nil {
		return nil, err
	}
	state, err := r.random(16)
	if err != nil {
		return nil, err
	}
	nonce := ""
	if hasScope(scope, "openid") {
		if nonce, err = r.random(16); err != nil {
			return nil, err
		}
	}
	r.m.add(verifier)
	lb, err := listenLoopback(r.o.RedirectURI)
	if err != nil {
		return nil, err
	}
	defer lb.close()

	u, err := url.Parse(authz)
	if err != nil {
		return nil, fmt.Errorf("flow: authorization_endpoint: %w", err)
	}
	q := u.Query()
	q.Set("response_type", "code")
	q.Set("client_id", r.o.ClientID)
	q.Set("redirect_uri", lb.uri)
	if scope != "" {
		q.Set("scope", scope)
	}
	q.Set("state", state)
	q.Set("code_challenge", challengeS256(verifier))
	q.Set("code_challenge_method", "S256")
	if nonce != "" {
		q.Set("nonce", nonce)
	}
	if r.o.Resource != "" {
		q.Set("resource", r.o.Resource)
	}
	if r.o.Prompt != "" {
		q.Set("prompt", r.o.Prompt)
	}
	if r.o.ResponseMode != "" {
		q.Set("response_mode", r.o.ResponseMode) // JARM, jarm.go
	}
	if r.o.ACRValues != "" {
		q.Set("acr_values", r.o.ACRValues)
	}
	if r.o.AuthorizationDetails != "" {
		q.Set("authorization_details", compactDetails(r.o.AuthorizationDetails)) // RFC 9396 §2, rar.go
	}
	u.RawQuery = q.Encode()
	authURL := u.String()

	bs := r.step("Authorization request (browser)", KindBrowser)
	bs.Request = &Request{Method: "GET", URL: r.m.text(authURL)}
	methods := r.md.strings("code_challenge_methods_supported")
	bs.check(CheckPKCE, true, fmt.Sprintf("code_challenge_method S256 sent; the issuer advertises %v", methods))
	bs.note("redirect_uri " + lb.uri + " (loopback listener, RFC 8252 §7.3)")
	if r.o.OnAuthURL != nil {
		r.o.OnAuthURL(authURL)
	}
	if r.o.OpenBrowser != nil {
		if err := r.o.OpenBrowser(authURL); err != nil {
			bs.note("could not open the browser: " + err.Error() + "; open the URL by hand")
		} else {
			bs.note("opened in the system browser")
		}
	} else {
		bs.note("waiting for the user to open the URL (the console's button, or by hand)")
	}

	r.flush() // shown now, while the flow waits for the user

	start := time.Now()
	req, err := lb.wait(r.ctx)
	rs := r.step("Authorization response (loopback redirect)", KindRedirect)
	rs.ElapsedMS = ms(time.Since(start))
	if err != nil {
		rs.Error = err.Error()
		return nil, err
	}
	resp := req.URL.Query()
	r.m.add(resp.Get("code"))
	full := lb.uri
	if i := strings.Index(full, "?"); i >= 0 {
		full = full[:i]
	}
	full += "?" + req.URL.RawQuery
	rs.Request = &Request{Method: "GET", URL: r.m.text(full), Header: r.m.header(req.Header)}
	if r.o.ResponseMode != "" {
		if resp, err = r.openJARM(rs, resp); err != nil {
			return nil, err
		}
	}
	r.checkAuthResponse(rs, resp, state)
	if e := resp.Get("error"); e != "" {
		return nil, &ProtocolError{Step: rs.Name, Code: e, Description: resp.Get("error_description")}
	}
	code := resp.Get("code")
	if code == "" {
		return nil, fmt.Errorf("flow: the authorization response has no code")
	}
	if resp.Get("state") != state {
		return nil, fmt.Errorf("flow: state mismatch; the code is not redeemed (RFC 9700 §4.7)")
	}
	if iss := resp.Get("iss"); iss != "" && iss != r.o.Issuer {
		return nil, fmt.Errorf("flow: iss %q is not the issuer; possible mix-up (RFC 9207 §2.4)", iss)
	}

	v := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {lb.uri}, "code_verifier": {verifier}}
	if r.o.Resource != "" {
		v.Set("resource", r.o.Resource)
	}
	s, tr, err := r.token("Token request (authorization_code)", v)
	if err != nil {
		return tr, err
	}
	if tr.IDToken != "" {
		r.checkIDToken(s, tr.IDToken, nonce, tr.AccessToken)
		if !r.external {
			r.explainSubject(s, tr) // subject.go
		}
	}
	r.lastNonce = nonce
	return tr, nil
}

// checkAuthResponse records the state and iss checks of an authorization
// response (RFC 6749 §4.1.2, RFC 9207 §2.4).
func (r *runner) checkAuthResponse(s *Step, resp url.Values, state string) {
	got := resp.Get("state")
	s.check(CheckState, got == state, fmt.Sprintf("sent state %q, got %q", state, got))
	iss, present := resp.Get("iss"), resp.Has("iss")
	advertised, _ := r.md.bool("authorization_response_iss_parameter_supported")
	switch {
	case present && iss == r.o.Issuer:
		s.check(CheckIss, true, fmt.Sprintf("iss %q is the issuer (RFC 9207 §2.4)", iss))
	case present:
		s.check(CheckIss, false, fmt.Sprintf("iss %q is not the issuer %q: mix-up (RFC 9207 §2.4)", iss, r.o.Issuer))
	case advertised:
		s.check(CheckIss, false, "iss missing although the metadata promises it (RFC 9207 §2.4)")
	default:
		s.check(CheckIss, false, "no iss in the authorization response (RFC 9207 §2)")
	}
	if e := resp.Get("error"); e != "" {
		s.check(CheckStatus, false, "error "+e+": "+resp.Get("error_description"))
	} else {
		s.check(CheckStatus, resp.Get("code") != "", "authorization code received")
	}
}

// checkIDToken validates the ID token's claims as OIDC Core §3.1.3.7
// asks (the signature is checked when it is decoded): iss, aud, exp, azp
// when present or when there are several audiences, the nonce sent, and
// at_hash against the access token issued with it (§3.1.3.8, §3.3.2.11).
func (r *runner) checkIDToken(s *Step, raw, nonce, accessToken string) {
	h, c, ok := splitJWT(raw)
	if !ok {
		s.check(CheckIDTokenClaims, false, "the id_token is not a JWT")
		return
	}
	var problems []string
	if iss := claimString(c, "iss"); iss != r.o.Issuer {
		problems = append(problems, fmt.Sprintf("iss %q", iss))
	}
	aud := audience(c)
	if !contains(aud, r.o.ClientID) {
		problems = append(problems, fmt.Sprintf("aud %v lacks the client id", aud))
	}
	if exp, _ := c["exp"].(float64); time.Unix(int64(exp), 0).Before(r.o.Now()) {
		problems = append(problems, "expired")
	}
	s.check(CheckIDTokenClaims, len(problems) == 0, "iss, aud, exp: "+orOK(strings.Join(problems, "; ")))

	azp, hasAzp := c["azp"].(string)
	switch {
	case hasAzp:
		s.check(CheckAzp, azp == r.o.ClientID, fmt.Sprintf("azp %q, the client is %q (OIDC Core §3.1.3.7 item 5)", azp, r.o.ClientID))
	case len(aud) > 1:
		s.check(CheckAzp, false, fmt.Sprintf("aud has %d values %v but there is no azp naming the authorized party (OIDC Core §3.1.3.7 item 4)", len(aud), aud))
	}

	r.checkACR(s, c) // acr.go
	got := claimString(c, "nonce")
	s.check(CheckNonce, nonce != "" && got == nonce, fmt.Sprintf("sent nonce %q, ID token has %q", nonce, got))

	if atHash, present := c["at_hash"].(string); present && accessToken != "" {
		alg, _ := h["alg"].(string)
		want, err := halfHash(alg, accessToken)
		switch {
		case err != nil:
			s.check(CheckAtHash, false, "at_hash cannot be checked: "+err.Error())
		default:
			s.check(CheckAtHash, atHash == want, fmt.Sprintf("at_hash %q, the access token hashes to %q with %s (OIDC Core §3.1.3.8, §3.3.2.11)", atHash, want, alg))
		}
	} else if accessToken != "" {
		s.note("the ID token has no at_hash (optional in the code flow, OIDC Core §3.1.3.8)")
	}
}

// halfHash is the base64url left half of the hash of value with the hash
// function of the JWS alg (OIDC Core §3.1.3.6 at_hash; EdDSA uses
// SHA-512 as for Ed25519).
func halfHash(alg, value string) (string, error) {
	var sum []byte
	switch alg {
	case "RS256", "PS256", "ES256", "HS256":
		b := sha256.Sum256([]byte(value))
		sum = b[:]
	case "RS384", "PS384", "ES384", "HS384":
		b := sha512.Sum384([]byte(value))
		sum = b[:]
	case "RS512", "PS512", "ES512", "HS512", "EdDSA":
		b := sha512.Sum512([]byte(value))
		sum = b[:]
	default:
		return "", fmt.Errorf("no hash function for alg %q", alg)
	}
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), nil
}

// orOK is s, or "ok" when s is empty.
func orOK(s string) string {
	if s == "" {
		return "ok"
	}
	return s
}
