package app

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/keys"
)

// publicError is the one table from errors to what the console shows: a
// typed refusal's own words, a store sentinel's fixed words, and nothing
// of any other error.
func TestPublicErrorTable(t *testing.T) {
	errKind := errors.New("pkg: invalid thing")
	for _, c := range []struct {
		err    error
		status int
		msg    string
		public bool
	}{
		{invalid("say why"), 400, "say why", true},
		{fmt.Errorf("wrapped: %w", &Error{Status: 404, Message: "no user bob"}), 404, "no user bob", true},
		{authcore.Invalid(errKind, "name too long"), 400, "name too long", true},
		{fmt.Errorf("get: %w", authcore.ErrNotFound), 404, "not found", true},
		{authcore.ErrConflict, 409, "changed by someone else; try again", true},
		{fmt.Errorf("%w: %w", errKind, errors.New("badger: disk on fire")), 500, "internal error", false},
		{fmt.Errorf("keys: load keys: %w", errors.New("badger: DB Closed")), 500, "internal error", false},
		{keyError(fmt.Errorf("keys: load keys: %w", errors.New("badger: DB Closed")), "kid"), 500, "internal error", false},
		{keyError(fmt.Errorf("%w %q", keys.ErrNoKey, "k1"), "k1"), http.StatusNotFound, `no signing key "k1"`, true},
	} {
		status, msg, public := publicError(c.err)
		if status != c.status || msg != c.msg || public != c.public {
			t.Errorf("%v: %d %q %v, want %d %q %v", c.err, status, msg, public, c.status, c.msg, c.public)
		}
	}
}
