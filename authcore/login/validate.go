package login

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/authcore"
)

// Length limits of user details.
const (
	maxUsername    = 64
	maxEmail       = 254
	maxDisplayName = 128
)

// normalizeUsername lower-cases s and checks it is a valid username:
// 1-64 of a-z 0-9 . _ - @, starting with a letter or digit.
func normalizeUsername(s string) (string, error) {
	u := strings.ToLower(s)
	if u == "" || len(u) > maxUsername {
		return "", authcore.Invalid(ErrInvalidUser, "username must be 1 to %d characters", maxUsername)
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if i == 0 && !alnum {
			return "", authcore.Invalid(ErrInvalidUser, "username must start with a letter or digit")
		}
		if !alnum && c != '.' && c != '_' && c != '-' && c != '@' {
			return "", authcore.Invalid(ErrInvalidUser, "username may hold only a-z, 0-9, '.', '_', '-' and '@'")
		}
	}
	return u, nil
}

// validateEmail accepts "" or a bare address (no display name, no
// comments) of at most 254 bytes.
func validateEmail(s string) error {
	if s == "" {
		return nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > maxEmail || !utf8.ValidString(s) {
		return authcore.Invalid(ErrInvalidUser, "email is not a plain address")
	}
	return nil
}

// validateDisplayName accepts valid UTF-8 of at most 128 characters
// without control characters.
func validateDisplayName(s string) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxDisplayName {
		return authcore.Invalid(ErrInvalidUser, "display name must be at most %d characters", maxDisplayName)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return authcore.Invalid(ErrInvalidUser, "display name holds a control character")
		}
	}
	return nil
}
