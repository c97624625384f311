package login

import (
	"slices"

	"github.com/latchkey/latchkey/authcore"
)

// formOrigins returns CSP source expressions for the origins of c's
// registered redirect URIs, so the redirect that ends a login or consent
// submission is not blocked by form-action. Loopback redirects, whose
// port may vary (RFC 8252 §7.3), are allowed on any port; private-use
// schemes (RFC 8252 §7.1) by scheme. Anything that does not parse cleanly
// into a safe source expression is left out.
func formOrigins(c authcore.Client) []string {
	var out []string
	for _, raw := range c.RedirectURIs {
		if src := authcore.CSPSource(raw); src != "" && !slices.Contains(out, src) {
			out = append(out, src)
		}
	}
	return out
}
