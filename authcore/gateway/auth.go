package gateway

import (
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/authcore/jws"
)

// credentials takes the access token from the single Authorization header
// (RFC 6750 §2.1, RFC 9449 §7.1), or, on a route with FormTokens only,
// from a small form body (RFC 6750 §2.2, see formToken). A query
// access_token is ignored (OAuth 2.1 §5.1: never from the URI); a token
// in the form body as well as the header is two methods at once (RFC 6750
// §2, 400 invalid_request). On any other route the body is never read
// before the request is authorised: it streams to the upstream.
func (g *Gateway) credentials(q *request) (string, *denial) {
	r := q.r
	vals := r.Header.Values("Authorization")
	if len(vals) > 1 {
		return "", requestDenial("multiple_authorization", "send exactly one Authorization header")
	}
	var formTok string
	var inBody bool
	if q.rt.FormTokens {
		var d *denial
		if formTok, inBody, d = formToken(r, len(vals) == 1, !q.rt.KeepAuthorization); d != nil {
			return "", d
		}
	}
	if len(vals) == 0 {
		if !inBody {
			return "", noCredentials()
		}
		if formTok == "" {
			return "", tokenDenial("empty_token", "the form's access_token is empty")
		}
		return formTok, nil
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
