package oauth

import (
	"net/http"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

// Signer signs and verifies the server's JWTs. keys.Manager satisfies it;
// tests use a small ES256 fake.
type Signer interface {
	// Sign signs claims with the active key. alg "" selects the default
	// algorithm; the kid and typ headers are set.
	Sign(alg, typ string, claims jwt.Claims) (string, error)
	// Verify checks the signature through the kid header with the
	// algorithm bound to that key, the typ header exactly, exp/nbf with
	// leeway, and fills claims. It fails for tokens of revoked keys.
	Verify(token, typ string, claims jwt.Claims) (kid string, err error)
}

// Interaction is how /authorize meets the user. login.Manager satisfies
// it.
type Interaction interface {
	// Session returns the user signed in on this browser, if any.
	Session(r *http.Request) (authcore.Session, bool)
	// RedirectToLogin answers 303 to the login page, which comes back to
	// returnTo (a path beginning with "/authorize?").
	RedirectToLogin(w http.ResponseWriter, r *http.Request, returnTo string)
	// RedirectToConsent answers 303 to the consent page for returnTo's
	// client_id and scope. On Allow it saves the consent and answers 303
	// back to returnTo; on Deny it calls (*Authorizer).DenyConsent.
	RedirectToConsent(w http.ResponseWriter, r *http.Request, returnTo string)
}
