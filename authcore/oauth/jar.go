package oauth

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/authcore"
)

// CodeInvalidRequestObject is the error of a request object that does
// not verify (RFC 9101 §6.3, OIDC Core §6.4).
const CodeInvalidRequestObject = "invalid_request_object"

// RequestObjectAlgorithms returns (a copy of) the JWS algorithms accepted
// on request objects (RFC 9101 §6.1) and advertised as
// request_object_signing_alg_values_supported: the client-assertion ones.
// FAPI 2.0 clients may not use RS256 (FAPI 2.0 §5.4.1). none and the HMAC
// algorithms are never accepted (RFC 8725 §3.1).
func RequestObjectAlgorithms() []string { return slices.Clone(assertionAlgorithms) }

// DefaultRequestObjectLifetime is the longest a request object may live,
// exp minus nbf (or minus iat, or minus now when it has neither): 60
// minutes, the FAPI 2.0 Message Signing bound (§5.3.1). exp is required;
// iat and nbf may lie at most 10 s in the future (FAPI 2.0 §5.3.2.1-13).
const DefaultRequestObjectLifetime = 60 * time.Minute

// maxRequestObjectBytes caps a request object before any decoding.
const maxRequestObjectBytes = 16 << 10

// registeredClaims are the JWT claims of a request object that are not
// authorization request parameters.
var registeredClaims = []string{"iss", "aud", "exp", "iat", "nbf", "jti", "sub"}

func errRequestObject(desc string) *Error {
	return newError(CodeInvalidRequestObject, http.StatusBadRequest, desc)
}

// verifyRequestObject verifies a request object passed by value (RFC
// 9101 §6): a compact JWS (never unsigned, never HMAC, never encrypted)
// signed by a key of c's registered JWKS with an algorithm bound to the
// key; iss the client_id; aud the issuer (a string, or an array whose
// only member is the issuer); exp present and not past; a lifetime of at
// most DefaultRequestObjectLifetime. Its claims become the authorization
// request parameters (RFC 9101 §5: parameters only from the object);
// nested request or request_uri are refused.
func (s *Server) verifyRequestObject(raw string, c authcore.Client) (params, error) {
	if len(raw) > maxRequestObjectBytes {
		return nil, errRequestObject("request object is too large")
	}
	h, err := preparseAssertion(raw)
	if err != nil {
		return nil, errRequestObject("request object is not a signed JWT")
	}
	algs := assertionAlgorithms
	if c.FAPI {
		algs = fapiAlgorithms
	}
	if !slices.Contains(algs, h.Alg) {
		return nil, errRequestObject("request object algorithm is not allowed")
	}
	keys, err := parseClientJWKS(c.JWKS)
	if err != nil {
		return nil, errRequestObject("client has no registered keys for request objects")
	}
	k, ok := selectKey(keys, h.Kid, h.Alg)
	if !ok {
		return nil, errRequestObject("no registered key verifies the request object")
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(h.Alg)})
	if err != nil || len(jws.Signatures) != 1 || jws.Signatures[0].Header.Algorithm != h.Alg {
		return nil, errRequestObject("request object is not a signed JWT")
	}
	payload, err := jws.Verify(k.key)
	if err != nil {
		return nil, errRequestObject("request object signature does not verify")
	}
	return s.requestObjectParams(payload, c)
}

// requestObjectParams checks the verified claims and turns the others
// into parameters: strings as they are, numbers in decimal, objects
// (claims) as compact JSON.
func (s *Server) requestObjectParams(payload []byte, c authcore.Client) (params, error) {
	var claims assertionClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, errRequestObject("request object claims are malformed")
	}
	now := s.now()
	switch {
	case claims.Iss != c.ID:
		return nil, errRequestObject("request object iss must be the client_id")
	case !audienceIsIssuer(claims.Aud, s.cfg.Issuer):
		return nil, errRequestObject("request object aud must be the issuer")
	case claims.Exp == nil:
		return nil, errRequestObject("request object exp is missing")
	}
	exp, ok := numericDate(claims.Exp)
	if !ok || !now.Before(exp) {
		return nil, errRequestObject("request object expired")
	}
	start := now
	for _, v := range []*float64{claims.Iat, claims.Nbf} {
		t, ok := numericDate(v)
		if v != nil && (!ok || t.After(now.Add(assertionFuture))) {
			return nil, errRequestObject("request object iat or nbf lies in the future")
		}
	}
	if t, ok := numericDate(claims.Iat); ok {
		start = t
	}
	if t, ok := numericDate(claims.Nbf); ok {
		start = t
	}
	if exp.Sub(start) > DefaultRequestObjectLifetime {
		return nil, errRequestObject("request object lifetime is too long")
	}
	var all map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	if err := d.Decode(&all); err != nil || len(all) > maxParams {
		return nil, errRequestObject("request object claims are malformed")
	}
	p := make(params, len(all))
	for name, v := range all {
		if slices.Contains(registeredClaims, name) {
			continue
		}
		if name == "request" || name == "request_uri" {
			return nil, errRequestObject("request object may not nest request or request_uri")
		}
		val, ok := claimParam(v)
		if !ok {
			return nil, errRequestObject("request object parameter " + truncate(name, 40) + " has an unsupported type")
		}
		if val != "" {
			p[name] = val
		}
	}
	if id := p.get("client_id"); id != "" && id != c.ID {
		return nil, errRequestObject("request object client_id does not match")
	}
	p["client_id"] = c.ID
	return p, nil
}

// claimParam converts one claim to a parameter value: a string, a number
// or an object (the claims parameter, OIDC Core §5.5). A resource array
// (RFC 8707) becomes its space-separated values.
func claimParam(v json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return n.String(), true
		}
		return "", false
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		return joinResources(list), true
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) == nil {
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			return buf.String(), true
		}
	}
	return "", false
}
