package authcore

import (
	"errors"
	"fmt"
	"testing"
)

// Only an InvalidError's own Message is public: an internal error wrapped
// with a sentinel (whose text would start with the same words) is not.
func TestPublicMessage(t *testing.T) {
	errKind := errors.New("pkg: invalid thing")
	errOther := errors.New("pkg: other")
	internal := errors.New("badger: disk on fire")
	for _, c := range []struct {
		name  string
		err   error
		kinds []error
		want  string
		ok    bool
	}{
		{"typed", Invalid(errKind, "name %q is too long", "x"), []error{errKind}, `name "x" is too long`, true},
		{"typed, wrapped", fmt.Errorf("create: %w", Invalid(errKind, "no")), []error{errKind}, "no", true},
		{"typed, any kind", Invalid(errKind, "no"), nil, "no", true},
		{"typed, another kind", Invalid(errOther, "no"), []error{errKind}, "", false},
		{"sentinel wrapping internal text", fmt.Errorf("%w: %w", errKind, internal), []error{errKind}, "", false},
		{"internal", internal, nil, "", false},
		{"nil", nil, nil, "", false},
	} {
		got, ok := PublicMessage(c.err, c.kinds...)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", c.name, got, ok, c.want, c.ok)
		}
	}
	err := Invalid(errKind, "no")
	if !errors.Is(err, errKind) || err.Error() != "pkg: invalid thing: no" {
		t.Errorf("Is/Error: %v", err)
	}
}
