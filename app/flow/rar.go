package flow

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// Rich authorization requests (RFC 9396): Options.AuthorizationDetails is
// sent with the code flow's authorization request and the client
// credentials grant; the token step shows what was granted and checks it
// against the request and the access token's claim.

// validDetails reports why raw is not a JSON array of objects each with a
// type (RFC 9396 §2), or nil.
func validDetails(raw string) error {
	var arr []map[string]any
	if err := json.Unmarshal([]byte(raw), &arr); err != nil {
		return fmt.Errorf("flow: authorization_details must be a JSON array of objects (RFC 9396 §2): %v", err)
	}
	for i, o := range arr {
		if t, _ := o["type"].(string); t == "" {
			return fmt.Errorf("flow: authorization_details[%d] has no type (RFC 9396 §2)", i)
		}
	}
	return nil
}

// compactDetails is raw without insignificant white space, for the query.
func compactDetails(raw string) string {
	var v any
	if json.Unmarshal([]byte(raw), &v) != nil {
		return raw
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// sameDetails reports whether two authorization_details values are the
// same JSON (key order and white space aside).
func sameDetails(a, b any) bool {
	norm := func(v any) any {
		if raw, ok := v.(json.RawMessage); ok {
			var out any
			if json.Unmarshal(raw, &out) != nil {
				return string(raw)
			}
			return out
		}
		if s, ok := v.(string); ok {
			var out any
			if json.Unmarshal([]byte(s), &out) == nil {
				return out
			}
		}
		return v
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// checkDetails records the granted authorization_details of a token
// response: a note with the value, whether it is what was requested
// (RFC 9396 §7: the server may grant less or differently), and whether
// the access token's claim says the same (§9.1).
func (r *runner) checkDetails(s *Step, tr *tokenResponse) {
	requested := r.o.AuthorizationDetails
	granted := tr.AuthorizationDetails
	if string(granted) == "null" {
		granted = nil
	}
	if requested == "" && len(granted) == 0 {
		return
	}
	if len(granted) == 0 {
		s.check(CheckDetailsGranted, false, "authorization_details were requested but the token response carries none (RFC 9396 §7)")
		return
	}
	s.note("granted authorization_details: " + compactDetails(string(granted)))
	if requested != "" {
		same := sameDetails(json.RawMessage(granted), requested)
		detail := "granted authorization_details are the requested ones (RFC 9396 §7)"
		if !same {
			detail = fmt.Sprintf("granted authorization_details %s differ from the requested %s (RFC 9396 §7)",
				compactDetails(string(granted)), compactDetails(requested))
		}
		s.check(CheckDetailsGranted, same, detail)
	}
	_, claims, ok := splitJWT(tr.AccessToken)
	if !ok {
		s.note("the access token is opaque: its authorization_details are visible by introspection only (RFC 9396 §9.2)")
		return
	}
	claim, present := claims["authorization_details"]
	switch {
	case !present:
		s.check(CheckDetailsInToken, false, "the access token has no authorization_details claim (RFC 9396 §9.1)")
	default:
		b, _ := json.Marshal(claim)
		same := sameDetails(claim, json.RawMessage(granted))
		detail := "the access token's authorization_details claim is the granted value (RFC 9396 §9.1)"
		if !same {
			detail = fmt.Sprintf("the access token's authorization_details %s differ from the token response's %s (RFC 9396 §9.1)",
				b, compactDetails(string(granted)))
		}
		s.check(CheckDetailsInToken, same, detail)
	}
}
