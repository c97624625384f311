package oauth

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// The FAPI 2.0 Security Profile mode of a client (authcore.Client.FAPI):
//
//   - PAR required (§5.3.2.2-3), with redirect_uri (authorize_par.go,
//     par.go); PKCE S256 as for every client;
//   - confidential clients authenticating with private_key_jwt (aud the
//     issuer as one string, §5.3.2.1-8) or mTLS only (§5.3.2.1-6);
//   - PS256, ES256 or EdDSA only, for client assertions and request
//     objects (§5.4.1);
//   - sender-constrained access tokens only: every token request carries
//     a DPoP proof or comes over mTLS with the client's certificate
//     (§5.3.2.1-4/5);
//   - codes live at most 60 s (§5.3.2.1-11); iss is in every
//     authorization response, as for every client (RFC 9207);
//   - refresh tokens do not rotate (§5.3.2.1-9, token_refresh.go).

// fapiAlgorithms are the JWS algorithms FAPI 2.0 §5.4.1 allows
// (unexported, like assertionAlgorithms, so no importer can widen them).
var fapiAlgorithms = []string{"PS256", "ES256", "EdDSA"}

// FAPICodeTTL is the longest a FAPI client's code lives (§5.3.2.1-11).
const FAPICodeTTL = 60 * time.Second

// fapiAuthMethods are the client authentication methods of FAPI 2.0
// §5.3.2.1-6.
var fapiAuthMethods = []string{authcore.AuthPrivateKeyJWT, authcore.AuthTLSClient, authcore.AuthSelfSignedTLSClient}

// codeTTL is the code lifetime for client c.
func (s *Server) codeTTL(c authcore.Client) time.Duration {
	if c.FAPI && s.cfg.CodeTTL > FAPICodeTTL {
		return FAPICodeTTL
	}
	return s.cfg.CodeTTL
}

// fapiClientAuth holds an authenticated FAPI client to §5.3.2.1-6/-8 and
// §5.4.1: private_key_jwt or mTLS; an assertion signed with PS256, ES256
// or EdDSA whose aud is the issuer as one JSON string (not an array).
// The assertion was verified before, so reading it again is safe.
func (s *Server) fapiClientAuth(ca clientAuth, p params) error {
	if !ca.client.FAPI {
		return nil
	}
	fail := errAssertion()
	if !slices.Contains(fapiAuthMethods, ca.method) {
		fail.Description = "FAPI 2.0 clients authenticate with private_key_jwt or mTLS"
		return fail
	}
	if ca.method != authcore.AuthPrivateKeyJWT {
		return nil
	}
	a := p.get("client_assertion")
	h, err := preparseAssertion(a)
	if err != nil || !slices.Contains(fapiAlgorithms, h.Alg) {
		return fail
	}
	parts := strings.SplitN(a, ".", 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return fail
	}
	var c struct {
		Aud json.RawMessage `json:"aud"`
	}
	var one string
	if json.Unmarshal(raw, &c) != nil || json.Unmarshal(c.Aud, &one) != nil || one != s.cfg.Issuer {
		return fail
	}
	return nil
}

// fapiToken applies the FAPI rules to a token request: the client
// authentication above, and a sender constraint (§5.3.2.1-4).
func (s *Server) fapiToken(ca clientAuth, tr *tokenRequest) error {
	if !ca.client.FAPI {
		return nil
	}
	if err := s.fapiClientAuth(ca, tr.p); err != nil {
		return err
	}
	if !tr.senderConstrained() {
		return newError(CodeInvalidRequest, http.StatusBadRequest,
			"FAPI 2.0 clients must use DPoP or mTLS-bound tokens")
	}
	return nil
}

// validateFAPISpec checks the registration of a FAPI client: confidential
// and authenticating with private_key_jwt or mTLS. FAPI implies
// require_pushed_authorization_requests.
func validateFAPISpec(c *authcore.Client, spec ClientSpec) error {
	c.RequirePushedAuthorizationRequests = spec.RequirePushedAuthorizationRequests
	c.FAPI = spec.FAPI
	if !c.FAPI {
		return nil
	}
	if c.Type != authcore.Confidential || !slices.Contains(fapiAuthMethods, c.AuthMethod) {
		return authcore.Invalid(ErrInvalidClientMetadata, "FAPI 2.0 clients are confidential and use private_key_jwt or mTLS")
	}
	c.RequirePushedAuthorizationRequests = true
	return nil
}
