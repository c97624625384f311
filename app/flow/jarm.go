package flow

import (
	"fmt"
	"net/url"
	"slices"
)

// CheckJARM is the check of a JWT-secured authorization response.
const CheckJARM = "jarm_response"

// jarmModes are the response modes the flow tester can receive on its
// loopback listener: the query-based JARM modes (JARM §2.3.1, §2.3.4).
var jarmModes = []string{"query.jwt", "jwt"}

// openJARM turns a JARM response (JARM §2.1) into the plain authorization
// response parameters: it decodes and shows the response JWT on s,
// verifies its signature with the issuer's JWKS and checks iss, aud (this
// client) and exp (JARM §2.4). A response that fails a check yields no
// parameters, so the code is not redeemed.
func (r *runner) openJARM(s *Step, resp url.Values) (url.Values, error) {
	raw := resp.Get("response")
	if raw == "" {
		s.check(CheckJARM, false, "no response parameter although response_mode asked for JARM")
		return nil, fmt.Errorf("flow: the authorization response is not a JARM response")
	}
	tok := r.decodeToken(s, "JARM response", raw, 0)
	s.Tokens = append(s.Tokens, tok)
	iss, _ := tok.Claims["iss"].(string)
	var aud []string
	switch a := tok.Claims["aud"].(type) {
	case string:
		aud = []string{a}
	case []any:
		for _, v := range a {
			if str, ok := v.(string); ok {
				aud = append(aud, str)
			}
		}
	}
	fresh := tok.ExpiresAt != nil && r.o.Now().Before(*tok.ExpiresAt)
	ok := tok.Signature != nil && tok.Signature.Verified && iss == r.o.Issuer && slices.Contains(aud, r.o.ClientID) && fresh
	s.check(CheckJARM, ok, fmt.Sprintf("iss %q (want %q), aud %v (want %q), unexpired %v, signature verified %v",
		iss, r.o.Issuer, aud, r.o.ClientID, fresh, tok.Signature != nil && tok.Signature.Verified))
	if !ok {
		return nil, fmt.Errorf("flow: the JARM response does not verify (JARM §2.4)")
	}
	out := url.Values{}
	for _, k := range []string{"code", "state", "error", "error_description", "iss"} {
		if v, ok := tok.Claims[k].(string); ok {
			out.Set(k, v)
		}
	}
	r.m.add(out.Get("code"))
	s.note("JARM: the code, state and iss travelled inside a JWT signed by the issuer")
	return out, nil
}
