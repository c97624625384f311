package oauth

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// storageRetryAfter is the Retry-After, in seconds, of a 503 answered
// because the store refuses writes (authcore.ErrUnavailable): the disk
// guard looks again every second, an operator takes longer.
const storageRetryAfter = 30

// Error codes of RFC 6749 §4.1.2.1 and §5.2, RFC 7009 §2.2.1, RFC 8707 §2
// and OAuth 2.1 §3.2.4.
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeInvalidScope            = "invalid_scope"
	CodeInvalidTarget           = "invalid_target"
	CodeAccessDenied            = "access_denied"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeUnsupportedTokenType    = "unsupported_token_type"
	CodeServerError             = "server_error"
	CodeTemporarilyUnavailable  = "temporarily_unavailable"
)

// Error is an OAuth protocol error: the error code, a human-readable
// description and the HTTP status it is answered with (RFC 6749 §5.2).
// Endpoints and grants return *Error values; one function writes them.
// The description is public: it must never hold internal detail, and it
// is reduced to the printable ASCII subset of OAuth 2.1 §3.2.4 on output.
type Error struct {
	Code        string
	Description string
	Status      int

	// noChallenge leaves the Basic challenge off a 401 when the client
	// did not use the Authorization header (private_key_jwt).
	noChallenge bool
	// retryAfter, on a 429 or 503, is the Retry-After header in seconds.
	retryAfter int
}

// Error implements error.
func (e *Error) Error() string { return "oauth: " + e.Code + ": " + e.Description }

// Is reports whether target is an *Error with the same code, so callers
// can write errors.Is(err, &oauth.Error{Code: oauth.CodeInvalidGrant}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func newError(code string, status int, desc string) *Error {
	return &Error{Code: code, Description: desc, Status: status}
}

func errInvalidRequest(desc string) *Error {
	return newError(CodeInvalidRequest, http.StatusBadRequest, desc)
}

func errInvalidGrant(desc string) *Error {
	return newError(CodeInvalidGrant, http.StatusBadRequest, desc)
}

func errInvalidScope(desc string) *Error {
	return newError(CodeInvalidScope, http.StatusBadRequest, desc)
}

// errInvalidClient is invalid_client; viaHeader selects 401 (with a
// WWW-Authenticate challenge) when the client tried the Authorization
// header, as OAuth 2.1 §3.2.4 requires.
func errInvalidClient(desc string, viaHeader bool) *Error {
	if viaHeader {
		return newError(CodeInvalidClient, http.StatusUnauthorized, desc)
	}
	return newError(CodeInvalidClient, http.StatusBadRequest, desc)
}

// failure is an internal error: it is logged and answered with a generic
// server_error (500) or temporarily_unavailable (503), never with its text.
type failure struct {
	err    error
	status int
}

func (f *failure) Error() string { return "oauth: internal: " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// internal marks err as an internal failure answered with 500.
func internal(err error) error { return &failure{err: err, status: http.StatusInternalServerError} }

// writable reports, without I/O, whether the store accepts writes now.
func (s *Server) writable() error {
	if wc, ok := s.store.(authcore.WriteChecker); ok {
		return wc.Writable()
	}
	return nil
}

// unavailable marks err (typically a storage failure) as answered with 503.
func unavailable(err error) error {
	return &failure{err: err, status: http.StatusServiceUnavailable}
}

// publicError turns any error into what a client may see: an *Error as is,
// anything else as a generic server_error or temporarily_unavailable.
func publicError(err error) *Error {
	var oe *Error
	if errors.As(err, &oe) {
		return oe
	}
	if errors.Is(err, authcore.ErrUnavailable) {
		e := newError(CodeTemporarilyUnavailable, http.StatusServiceUnavailable,
			"the service cannot store anything right now; retry later")
		e.retryAfter = storageRetryAfter
		return e
	}
	var f *failure
	if errors.As(err, &f) && f.status == http.StatusServiceUnavailable {
		return newError(CodeTemporarilyUnavailable, http.StatusServiceUnavailable,
			"the service is temporarily unavailable")
	}
	return newError(CodeServerError, http.StatusInternalServerError, "internal server error")
}

// asciiDescription keeps the characters RFC 6749 §5.2 allows in
// error_description (%x20-21 / %x23-5B / %x5D-7E) and replaces the rest.
func asciiDescription(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b[i] = '?'
		}
	}
	return string(b)
}
