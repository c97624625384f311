package gateway

import (
	"encoding/json"
	"net/http"
	"slices"
)

// detailTypes returns the type of each object of an authorization_details
// claim (RFC 9396 §9.1); a claim that is absent or not an array of
// objects gives none, so a route requiring a type refuses it.
func detailTypes(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil
	}
	out := make([]string, 0, len(list))
	for _, d := range list {
		if d.Type != "" {
			out = append(out, d.Type)
		}
	}
	return out
}

// detailsDenial refuses a token without authorization_details of the
// route's required type: 403 insufficient_scope (RFC 6750 §3.1, the
// token lacks a privilege this API needs; RFC 9396 defines no resource
// server error of its own), naming the type in error_description.
func detailsDenial(need string, have []string) *denial {
	if need == "" || slices.Contains(have, need) {
		return nil
	}
	return &denial{status: http.StatusForbidden, code: CodeInsufficientScope, challenge: true,
		reason: "insufficient_authorization_details",
		desc:   "the access token lacks authorization_details of type " + need}
}
