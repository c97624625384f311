package oauth

import (
	"errors"
	"strings"
)

// maxScopes bounds the number of scopes in one request.
const maxScopes = 64

// validScopeToken reports whether t is a scope-token of RFC 6749 §3.3:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func validScopeToken(t string) bool {
	if t == "" || len(t) > 200 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// parseScope splits a scope parameter (space-delimited, RFC 6749 §3.3)
// into its distinct tokens, in first-seen order. Only single spaces
// separate tokens; anything else is an error.
func parseScope(raw string) ([]string, error) {
	if raw == "" {
		return nil, nil
	}
	parts := strings.Split(raw, " ")
	if len(parts) > maxScopes {
		return nil, errors.New("oauth: too many scopes")
	}
	out := make([]string, 0, len(parts))
	seen := make(map[string]bool, len(parts))
	for _, t := range parts {
		if !validScopeToken(t) {
			return nil, errors.New("oauth: malformed scope")
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// joinScope is the inverse of parseScope.
func joinScope(scopes []string) string { return strings.Join(scopes, " ") }

// subset reports whether every element of want is in have.
func subset(want, have []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if w == h {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
