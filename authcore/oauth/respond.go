package oauth

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Header values every JSON answer carries, shared so that setting them
// allocates nothing. Each holds one value at full capacity: an Add to
// the header appends into a new array, never into these.
var (
	jsonContentType = []string{"application/json"}[:1:1]
	noStoreValue    = []string{"no-store"}[:1:1]
	noCacheValue    = []string{"no-cache"}[:1:1]
)

// noStore sets the headers OAuth 2.1 §3.2.3 requires on every response
// that carries tokens or credentials.
func noStore(h http.Header) {
	h["Cache-Control"] = noStoreValue
	h["Pragma"] = noCacheValue
}

// writeJSON answers status with v as JSON and no-store caching headers.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	noStore(h)
	bp := jsonBufs.Get().(*[]byte)
	buf, err := appendJSON((*bp)[:0], v) // jsonenc.go: encoding/json's bytes without its reflection
	w.WriteHeader(status)
	if err == nil {
		_, _ = w.Write(append(buf, '\n'))
	}
	if cap(buf) <= 64<<10 {
		*bp = buf[:0]
		jsonBufs.Put(bp)
	}
}

// writeError is the one function that writes an OAuth error response
// (RFC 6749 §5.2). A 401 carries a Basic challenge (OAuth 2.1 §3.2.4)
// unless the client authenticated without the Authorization header.
func writeError(w http.ResponseWriter, e *Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if status == http.StatusUnauthorized && !e.noChallenge {
		w.Header().Set("WWW-Authenticate", `Basic realm="latchkey", charset="UTF-8"`)
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	body := map[string]string{"error": asciiDescription(e.Code)}
	if e.Description != "" {
		body["error_description"] = asciiDescription(e.Description)
	}
	writeJSON(w, status, body)
}

// fail answers err: protocol errors as they are, internal failures logged
// with the request id and answered without their text.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *Error
	// A refused write was logged once, by whoever refused it (the disk
	// guard), not once per request.
	if !errors.As(err, &oe) && !errors.Is(err, authcore.ErrUnavailable) {
		s.logInternal(r, err)
	}
	writeError(w, publicError(err))
}

// logInternal logs an internal failure with the request id.
func (s *Server) logInternal(r *http.Request, err error) {
	ev := s.log.Error().Err(err).Str("path", r.URL.Path)
	if info, ok := audit.RequestFrom(r.Context()); ok {
		ev = ev.Str("request_id", info.ID)
	}
	ev.Msg("oauth: internal error")
}

// methodNotAllowed answers 405 with the Allow header (RFC 9110 §15.5.6).
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		e := newError(CodeInvalidRequest, http.StatusMethodNotAllowed, "method not allowed")
		writeError(w, e)
	}
}

// tooManyRequests answers 429 with Retry-After in whole seconds.
func tooManyRequests(w http.ResponseWriter, retryAfter int) {
	if retryAfter < 1 {
		retryAfter = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	writeError(w, newError(CodeTemporarilyUnavailable, http.StatusTooManyRequests,
		"too many requests"))
}
