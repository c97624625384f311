package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/authcore"
)

// AssertionTypeJWT is the client_assertion_type of private_key_jwt (RFC
// 7523 §2.2, OIDC Core §9).
const AssertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// nonceKindAssertion is the authcore.Nonces kind of client-assertion jtis.
const nonceKindAssertion = "client_assertion"

// ClientAssertionConfig configures private_key_jwt client authentication
// (RFC 7523 §3). The zero value is the secure default.
type ClientAssertionConfig struct {
	// MaxLifetime is the longest exp - iat accepted (default 5 min,
	// DefaultAssertionLifetime). The jti of an accepted assertion is
	// remembered until its exp plus a small clock tolerance.
	MaxLifetime time.Duration
}

// errAssertion is the answer to every failed client assertion: 401
// invalid_client (RFC 7521 §4.2.1, RFC 6749 §5.2). The Authorization
// header was not used, so no Basic challenge is sent. The description is
// deliberately the same for every cause.
func errAssertion() *Error {
	e := newError(CodeInvalidClient, http.StatusUnauthorized, "client assertion is not valid")
	e.noChallenge = true
	return e
}

// authenticateAssertion authenticates a client by client_assertion (RFC
// 7523 §2.2, §3; OIDC Core §9 private_key_jwt): the client registered
// private_key_jwt and a JWKS; the assertion is signed by one of those
// keys with an algorithm bound to the key; its claims pass checkClaims;
// and its jti was never used before, recorded durably in the store
// (docs/security.md TOK-10, Hydra GHSA-3p3g-vpw6-4w66). Combining it with
// another method is invalid_request (OAuth 2.1 §3.2.4).
func (s *Server) authenticateAssertion(ctx context.Context, r *http.Request, p params) (clientAuth, error) {
	if r.Header.Get("Authorization") != "" || p.has("client_secret") {
		return clientAuth{}, errInvalidRequest("more than one client authentication method")
	}
	if !p.has("client_assertion") || !p.has("client_assertion_type") {
		return clientAuth{}, errInvalidRequest("client_assertion and client_assertion_type go together")
	}
	if p.get("client_assertion_type") != AssertionTypeJWT {
		return clientAuth{}, errAssertion()
	}
	assertion := p.get("client_assertion")
	h, err := preparseAssertion(assertion)
	if err != nil {
		return clientAuth{}, errAssertion()
	}
	id := unverifiedSubject(assertion)
	if id == "" || (p.has("client_id") && p.get("client_id") != id) {
		return clientAuth{}, errAssertion()
	}
	c, err := s.store.GetClient(ctx, id)
	if errors.Is(err, authcore.ErrNotFound) {
		return clientAuth{}, errAssertion()
	}
	if err != nil {
		return clientAuth{}, unavailable(err)
	}
	if c.Type != authcore.Confidential || c.AuthMethod != authcore.AuthPrivateKeyJWT {
		return clientAuth{}, errAssertion()
	}
	keys, err := parseClientJWKS(c.JWKS)
	if err != nil {
		return clientAuth{}, errAssertion()
	}
	k, ok := selectKey(keys, h.Kid, h.Alg)
	if !ok {
		return clientAuth{}, errAssertion()
	}
	jws, err := jose.ParseSignedCompact(assertion, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(h.Alg)})
	if err != nil || len(jws.Signatures) != 1 || jws.Signatures[0].Header.Algorithm != h.Alg {
		return clientAuth{}, errAssertion()
	}
	payload, err := jws.Verify(k.key)
	if err != nil {
		return clientAuth{}, errAssertion()
	}
	claims, err := checkClaims(payload, assertionRules{clientID: c.ID, issuer: s.cfg.Issuer,
		now: s.now(), maxLifetime: s.assertionLifetime()})
	if err != nil {
		return clientAuth{}, errAssertion()
	}
	exp, _ := numericDate(claims.Exp)
	err = s.store.UseOnce(ctx, nonceKindAssertion, c.ID+":"+claims.Jti, exp.Add(assertionLeeway))
	switch {
	case errors.Is(err, authcore.ErrConsumed):
		return clientAuth{}, errAssertion()
	case err != nil:
		return clientAuth{}, unavailable(err)
	}
	return clientAuth{client: c, method: authcore.AuthPrivateKeyJWT}, nil
}

// assertionLifetime is the configured or default maximum exp - iat.
func (s *Server) assertionLifetime() time.Duration {
	if d := s.cfg.ClientAssertion.MaxLifetime; d > 0 {
		return d
	}
	return DefaultAssertionLifetime
}

// unverifiedSubject returns the sub of an assertion before verification,
// to find the client whose keys must verify it (and to key rate limits).
// Nothing else is trusted before the signature is checked.
func unverifiedSubject(assertion string) string {
	if len(assertion) > maxAssertionBytes || strings.Count(assertion, ".") != 2 {
		return ""
	}
	parts := strings.SplitN(assertion, ".", 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(raw, &c) != nil || len(c.Sub) > 256 {
		return ""
	}
	return c.Sub
}
