package oauth

import (
	"context"
	"net/http"
	"time"

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
	// RedirectToStepUp answers 303 to the second-factor step for a
	// signed-in user whose session is weaker than returnTo's request
	// needs; it comes back to returnTo.
	RedirectToStepUp(w http.ResponseWriter, r *http.Request, returnTo string)
}

// OpenID is the OpenID Connect provider as the OAuth server uses it
// (oidc.Provider satisfies it). With Config.OpenID nil the server is a
// plain OAuth 2.1 server: no ID tokens, and the OIDC request parameters
// other than nonce are ignored.
type OpenID interface {
	// ParseClaims validates the claims request parameter (OIDC Core
	// §5.5) and returns it normalized, with the scopes whose claims it
	// asks for: those scopes join the request (when the client may have
	// them), so the user consents to every claim released.
	ParseClaims(raw string) (normalized string, scopes []string, err error)
	// HintSubject verifies an id_token_hint (OIDC Core §3.1.2.1): an ID
	// token this issuer signed, accepted even when expired. It returns
	// the local user it names (a pairwise sub mapped back through the
	// client it was issued to), "" when it names none.
	HintSubject(hint string) (string, error)
	// IDToken signs the ID token of a redeemed authorization code (OIDC
	// Core §3.1.3.3), binding accessToken through at_hash and naming the
	// code's grant (code.GrantID) in a grant_id claim. It returns the
	// token's expiry.
	IDToken(ctx context.Context, c authcore.Client, code authcore.AuthCode, accessToken string, now time.Time) (string, time.Time, error)
	// ACR is the authentication context class reference a login
	// satisfies (OIDC Core §2, acr), given the requested acr_values.
	ACR(requested []string) string
}
