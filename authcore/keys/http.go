package keys

import (
	"net/http"
	"strconv"
	"strings"
)

// ServeHTTP serves the JWKS (RFC 7517 §5) for GET and HEAD with
// Content-Type application/json, Cache-Control "public, max-age=N" (N is
// JWKSMaxAge in seconds: the staging of rotations relies on it), a strong
// ETag, and 304 Not Modified when If-None-Match names it (RFC 9110
// §13.1.2). The set is public, so any origin may read it.
func (m *Manager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, etag := m.JWKS()
	h := w.Header()
	h.Set("Cache-Control", m.cache)
	h.Set("ETag", etag)
	h.Set("Access-Control-Allow-Origin", "*")
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// etagMatch is the weak comparison If-None-Match uses (RFC 9110 §13.1.2):
// any listed tag, with or without W/, or "*".
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
