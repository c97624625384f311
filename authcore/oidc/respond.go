package oidc

import (
	"encoding/json"
	"net/http"
)

// noStore sets the caching headers of responses that carry tokens or
// personal data (OAuth 2.1 §3.2.3, OIDC Core §5.3.2).
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// writeJSON answers status with v as JSON, not cacheable.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	noStore(w.Header())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// bearerError answers a protected-resource error (RFC 6750 §3): code ""
// is a request without authentication, answered with a bare challenge
// and no error code (§3.1). desc must be printable ASCII without quotes
// or backslashes.
func bearerError(w http.ResponseWriter, status int, code, desc, scope string) {
	challenge := "Bearer"
	if code != "" {
		challenge += ` error="` + code + `"`
		if desc != "" {
			challenge += `, error_description="` + desc + `"`
		}
		if scope != "" {
			challenge += `, scope="` + scope + `"`
		}
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	if code == "" {
		noStore(w.Header())
		w.WriteHeader(status)
		return
	}
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	writeJSON(w, status, body)
}

// methodNotAllowed answers 405 with the Allow header (RFC 9110 §15.5.6).
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{
			"error": "invalid_request", "error_description": "method not allowed"})
	}
}
