package authcore

import (
	"errors"
	"fmt"
)

// InvalidError is input refused with words for whoever sent it: a
// registration field, a username, a route. Kind is the package's sentinel
// that callers branch on (errors.Is(err, Kind) holds); Message says what
// to change and never carries internal detail, so a console or an
// error_description may show it as it is. Callers show Message, never the
// text of an error they did not build (see PublicMessage).
type InvalidError struct {
	Kind    error
	Message string
}

// Invalid returns an *InvalidError of kind whose Message is format
// applied to a.
func Invalid(kind error, format string, a ...any) error {
	return &InvalidError{Kind: kind, Message: fmt.Sprintf(format, a...)}
}

// Error is the sentinel's text and the message.
func (e *InvalidError) Error() string { return e.Kind.Error() + ": " + e.Message }

// Unwrap returns Kind.
func (e *InvalidError) Unwrap() error { return e.Kind }

// PublicMessage returns the Message of the first InvalidError in err's
// chain whose Kind is one of kinds (any Kind when none is given).
func PublicMessage(err error, kinds ...error) (string, bool) {
	var ie *InvalidError
	if !errors.As(err, &ie) {
		return "", false
	}
	if len(kinds) == 0 {
		return ie.Message, true
	}
	for _, k := range kinds {
		if errors.Is(ie.Kind, k) {
			return ie.Message, true
		}
	}
	return "", false
}
