package gateway

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/authcore/jws"
)

// credentials takes the access token from the single Authorization header
// (RFC 6750 §2.1, RFC 9449 §7.1). A query access_token is ignored (OAuth
// 2.1 §5.1: never from the URI); a token in the form body as well as the
// header is two methods at once (RFC 6750 §2, 400 invalid_request); a
// body token alone is not accepted.
func (g *Gateway) credentials(q *request) (string, *denial) {
	r := q.r
	vals := r.Header.Values("Authorization")
	if len(vals) > 1 {
		return "", requestDenial("multiple_authorization", "send exactly one Authorization header")
	}
	inBody, d := formHasToken(r)
	if d != nil {
		return "", d
	}
	if len(vals) == 0 {
		return "", noCredentials()
	}
	scheme, tok, _ := strings.Cut(vals[0], " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
	case strings.EqualFold(scheme, "DPoP"):
		q.dpop = true
	default:
		return "", noCredentials()
	}
	if inBody {
		return "", requestDenial("token_in_header_and_body", "send the access token in the Authorization header only")
	}
	tok = strings.Trim(tok, " ")
	if tok == "" {
		return "", tokenDenial("empty_token", "the Authorization header carries no token")
	}
	return tok, nil
}

// formHasToken reads a form-encoded body (within the route's limit, which
// MaxBytesReader already enforces) to see whether it carries
// access_token, and puts the body back for the upstream.
func formHasToken(r *http.Request) (bool, *denial) {
	if r.Body == nil || r.Body == http.NoBody {
		return false, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return false, nil
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return false, plainDenial(http.StatusRequestEntityTooLarge, CodeTooLarge, "body_too_large",
			"the request body is larger than this API accepts")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	form, _ := url.ParseQuery(string(body))
	return form.Has("access_token"), nil
}

// identify turns the token into a verified identity: local JWT
// verification, or introspection for an opaque token when configured.
// The route's audience is checked here too (RFC 9068 §4).
func (g *Gateway) identify(q *request, tok string) (*Identity, *denial) {
	ctx := q.r.Context()
	var id *Identity
	var d *denial
	switch {
	case jws.LooksLikeCompact(tok, g.cfg.MaxTokenBytes):
		id, d = g.verifier.verify(ctx, tok)
	case g.cfg.Introspector != nil && len(tok) <= g.cfg.MaxTokenBytes && isB64Token(tok):
		id, d = g.introspect(q, tok)
	default:
		return nil, tokenDenial("malformed", "the access token is not a well-formed JWT")
	}
	if d != nil {
		return id, d
	}
	if !containsString(id.Audience, q.rt.audience) {
		return id, tokenDenial("wrong_audience", "the access token is not intended for this API (aud)")
	}
	if d := g.binding(q, tok, id); d != nil {
		return id, d
	}
	return id, g.revocation(q, tok, id)
}

func (g *Gateway) introspect(q *request, tok string) (*Identity, *denial) {
	id, err := g.cfg.Introspector.Introspect(q.r.Context(), tok)
	if err != nil {
		g.log.Warn().Err(err).Msg("gateway: introspection failed")
		d := plainDenial(http.StatusServiceUnavailable, CodeUnavailable, "introspection_unavailable",
			"the gateway cannot check this token with the authorization server; retry later")
		d.retryAfter = 5
		return nil, d
	}
	if id == nil {
		return nil, tokenDenial("inactive", "the access token is not active")
	}
	return id, nil
}

// isB64Token is RFC 6750 §2.1's b64token.
func isB64Token(s string) bool {
	i := len(s)
	for i > 0 && s[i-1] == '=' {
		i--
	}
	if i == 0 {
		return false
	}
	for j := 0; j < i; j++ {
		if c := s[j]; !jws.IsB64URL(c) && c != '.' && c != '~' && c != '+' && c != '/' {
			return false
		}
	}
	return true
}
