package oauth

import (
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

// The response modes of the authorization endpoint: query (OAuth 2.0
// Multiple Response Type Encoding Practices §2.1), form_post (OAuth 2.0
// Form Post Response Mode §2) and the JWT Secured Authorization Response
// Modes (JARM §2.3). Latchkey has only the code flow, so the plain
// fragment mode is not offered; fragment.jwt is, as JARM §2.3.2 allows it
// for code, the signed response protecting it.
const (
	ModeQuery       = "query"
	ModeFormPost    = "form_post"
	ModeJWT         = "jwt" // JARM §2.3.4: query.jwt for response_type=code
	ModeQueryJWT    = "query.jwt"
	ModeFragmentJWT = "fragment.jwt"
	ModeFormPostJWT = "form_post.jwt"
)

// jarmTTL is the lifetime of a JARM response: short, as JARM §4.1 asks,
// the time a browser takes to carry it to the client.
const jarmTTL = 60 * time.Second

// ResponseModes lists the response_mode values /authorize accepts, in
// the order discovery shows them (response_modes_supported).
func ResponseModes() []string {
	return []string{ModeQuery, ModeFormPost, ModeQueryJWT, ModeFragmentJWT, ModeFormPostJWT, ModeJWT}
}

// parseResponseMode returns the mode a response_mode value selects;
// absent is query. An unknown value selects query, in which the
// invalid_request it also returns is answered.
func parseResponseMode(raw string) (string, error) {
	switch raw {
	case "":
		return ModeQuery, nil
	case ModeJWT:
		return ModeQueryJWT, nil
	}
	if slices.Contains(ResponseModes(), raw) {
		return raw, nil
	}
	return ModeQuery, errInvalidRequest("response_mode is not supported")
}

// isJARM reports whether mode signs the response (JARM §2.3).
func isJARM(mode string) bool { return strings.HasSuffix(mode, ".jwt") }

// signingAlgs are the algorithms the server signs with: the ID-token
// algorithms of Config, else the signer's default ES256.
func (s *Server) signingAlgs() []string {
	if s.cfg.IDTokenAlgorithms != nil {
		return s.cfg.IDTokenAlgorithms()
	}
	return []string{"ES256"}
}

// signResponse wraps the authorization response parameters q in a JWT
// (JARM §2.1): iss, aud (the client), exp, and each parameter as a
// claim, signed with the active key of the client's
// authorization_signed_response_alg ("" is the server default).
func (s *Server) signResponse(ar *authRequest, q url.Values) (string, error) {
	claims := jwt.MapClaims{"iss": s.cfg.Issuer, "aud": ar.client.ID,
		"exp": float64(s.now().Add(jarmTTL).Unix())}
	for k := range q {
		claims[k] = q.Get(k)
	}
	return s.signer.Sign(ar.client.AuthorizationSignedResponseAlg, "JWT", claims)
}

var formPostTmpl = template.Must(template.New("form_post").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Returning to the application</title></head>
<body><form method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<noscript><p>Press Continue to return to the application.</p><button type="submit">Continue</button></noscript>
</form>
<script nonce="{{.Nonce}}">document.forms[0].submit();</script>
</body></html>
`))

type formField struct{ Name, Value string }

// formPost answers 200 with a page that posts q to the redirect URI as
// soon as it loads (OAuth 2.0 Form Post Response Mode §2). Its one
// script runs by a fresh CSP nonce, never an inline handler; form-action
// allows only the redirect URI's origin. Without JavaScript the page
// shows a Continue button.
func (s *Server) formPost(w http.ResponseWriter, r *http.Request, redirectURI string, q url.Values) {
	src := authcore.CSPSource(redirectURI)
	nonce, err := s.randomToken(16)
	if err != nil || src == "" {
		s.logInternal(r, fmt.Errorf("oauth: form_post to %q: no nonce (%v) or no CSP source", redirectURI, err))
		s.errorPage(w, newError(CodeServerError, http.StatusInternalServerError, ""))
		return
	}
	var fields []formField
	for _, k := range slices.Sorted(maps.Keys(q)) {
		fields = append(fields, formField{k, q.Get(k)})
	}
	pageHeaders(w.Header())
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+
		"'; form-action "+src+"; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	// The redirect URI is a registered one (validateRedirectURI refuses
	// javascript:, data: and the like), so it may be a private-use scheme
	// html/template would otherwise blank.
	_ = formPostTmpl.Execute(w, struct {
		Action template.URL
		Fields []formField
		Nonce  string
	}{template.URL(redirectURI), fields, nonce})
}
