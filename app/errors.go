package app

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// Error is an error the console shows to a person as it is: a validation
// failure, a missing record, a refused action. Any other error is logged
// and shown as a generic internal error, so internal text never reaches a
// browser.
type Error struct {
	Status  int    // HTTP status in browser mode
	Message string // words a person understands
}

func (e *Error) Error() string { return e.Message }

// invalid returns a 400 Error with msg.
func invalid(msg string) error { return &Error{Status: http.StatusBadRequest, Message: msg} }

// publicError maps err to what the console may show and its HTTP status.
// ok is false when err is internal and must only be logged.
func publicError(err error) (status int, msg string, ok bool) {
	var e *Error
	var ie *authcore.InvalidError
	switch {
	case errors.As(err, &e):
		return e.Status, e.Message, true
	case errors.As(err, &ie): // a refusal no method mapped: its Message is public by contract
		return http.StatusBadRequest, ie.Message, true
	case errors.Is(err, authcore.ErrNotFound):
		return http.StatusNotFound, "not found", true
	case errors.Is(err, authcore.ErrAlreadyExists):
		return http.StatusConflict, "already exists", true
	case errors.Is(err, authcore.ErrConflict):
		return http.StatusConflict, "changed by someone else; try again", true
	case errors.Is(err, authcore.ErrUnavailable):
		return http.StatusServiceUnavailable, "nothing can be saved right now: the data directory's disk is almost full, missing or read-only (see the Dashboard); try again once it is fixed", true
	}
	return http.StatusInternalServerError, "internal error", false
}
