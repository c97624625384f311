package oidc

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/authcore/dpop"
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

// Error is an error answer of this package's endpoints: a protected-resource
// error (RFC 6750 §3, RFC 9449 §7.1) or a plain one. Description is
// public: it never holds internal detail.
type Error struct {
	// Code is the error code; "" answers a request without
	// authentication with a bare challenge and no body (RFC 6750 §3.1).
	Code        string
	Description string
	Status      int
	// Scope is the scope an insufficient_scope answer names.
	Scope string
	// DPoP challenges with the DPoP scheme (RFC 9449 §7.1) instead of
	// Bearer.
	DPoP bool
}

// Error implements error.
func (e *Error) Error() string { return "oidc: " + e.Code + ": " + e.Description }

// bearerError is a protected-resource error with a Bearer challenge. desc
// must be printable ASCII without quotes or backslashes.
func bearerError(status int, code, desc string) *Error {
	return &Error{Status: status, Code: code, Description: desc}
}

// unavailable is a 503 temporarily_unavailable, without description: the
// cause is logged, never shown.
func unavailable() *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable"}
}

// challenge is the WWW-Authenticate value of e.
func (e *Error) challenge() string {
	if e.DPoP {
		return `DPoP error="` + e.Code + `", algs="` + strings.Join(dpop.Algorithms, " ") + `"`
	}
	c := "Bearer"
	if e.Code != "" {
		c += ` error="` + e.Code + `"`
		if e.Description != "" {
			c += `, error_description="` + e.Description + `"`
		}
		if e.Scope != "" {
			c += `, scope="` + e.Scope + `"`
		}
	}
	return c
}

// writeError is the one function that writes this package's error
// answers: a challenge on 401 and 403, then the JSON body, or no body for
// a bare challenge.
func writeError(w http.ResponseWriter, e *Error) {
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
		w.Header().Set("WWW-Authenticate", e.challenge())
	}
	if e.Code == "" {
		noStore(w.Header())
		w.WriteHeader(e.Status)
		return
	}
	body := map[string]string{"error": e.Code}
	if e.Description != "" {
		body["error_description"] = e.Description
	}
	writeJSON(w, e.Status, body)
}

// methodNotAllowed answers 405 with the Allow header (RFC 9110 §15.5.6).
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, &Error{Status: http.StatusMethodNotAllowed, Code: "invalid_request", Description: "method not allowed"})
	}
}
