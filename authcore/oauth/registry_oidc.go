package oauth

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/authcore"
)

// supportedJWSAlgs are the algorithms a signing key may have; an
// id_token_signed_response_alg or authorization_signed_response_alg
// outside them is refused even when Config.IDTokenAlgorithms is unset.
// none is never among them.
var supportedJWSAlgs = []string{"ES256", "RS256", "PS256", "EdDSA"}

// validateOIDCSpec checks the OpenID Connect registration metadata of
// spec (OIDC Registration §2, JARM §3, RP-Initiated Logout 1.0 §3.1,
// Back-Channel Logout 1.0 §2.2) and copies it to c.
func (s *Server) validateOIDCSpec(c *authcore.Client, spec ClientSpec) error {
	bad := func(format string, a ...any) error {
		return authcore.Invalid(ErrInvalidClientMetadata, format, a...)
	}
	for name, alg := range map[string]string{"id_token_signed_response_alg": spec.IDTokenSignedResponseAlg,
		"authorization_signed_response_alg": spec.AuthorizationSignedResponseAlg} {
		if alg != "" && (!slices.Contains(s.signingAlgs(), alg) || !slices.Contains(supportedJWSAlgs, alg)) {
			return bad("%s %q is not available", name, alg)
		}
	}
	c.IDTokenSignedResponseAlg = spec.IDTokenSignedResponseAlg
	c.AuthorizationSignedResponseAlg = spec.AuthorizationSignedResponseAlg
	if len(spec.PostLogoutRedirectURIs) > maxRedirectURIs {
		return bad("at most %d post-logout redirect URIs", maxRedirectURIs)
	}
	for _, u := range spec.PostLogoutRedirectURIs {
		if err := validateRedirectURI(u); err != nil {
			return err
		}
	}
	c.PostLogoutRedirectURIs = dedupe(spec.PostLogoutRedirectURIs)
	if u := spec.BackchannelLogoutURI; u != "" {
		if err := validateBackchannelURI(u); err != nil {
			return bad("%v", err)
		}
	}
	c.BackchannelLogoutURI = spec.BackchannelLogoutURI
	c.BackchannelLogoutSessionRequired = spec.BackchannelLogoutSessionRequired
	if u := spec.FrontchannelLogoutURI; u != "" {
		if err := validateFrontchannelURI(u); err != nil {
			return bad("%v", err)
		}
	}
	c.FrontchannelLogoutURI = spec.FrontchannelLogoutURI
	c.FrontchannelLogoutSessionRequired = spec.FrontchannelLogoutSessionRequired
	return nil
}

// validateBackchannelURI accepts an absolute https URI, or http on a
// loopback address, without fragment or userinfo (Back-Channel Logout
// 1.0 §2.2).
func validateBackchannelURI(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || len(raw) > 2000 || u.Host == "" || u.User != nil || strings.Contains(raw, "#"):
		return fmt.Errorf("backchannel_logout_uri %q is not an absolute URI without fragment", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return nil
	}
	return fmt.Errorf("backchannel_logout_uri %q must be https (http only on loopback)", raw)
}

// validateFrontchannelURI accepts what validateBackchannelURI accepts,
// without a query (Front-Channel Logout 1.0 §2 lets the OP append iss and
// sid) and with a path a frame-src source can name exactly.
func validateFrontchannelURI(raw string) error {
	if err := validateBackchannelURI(raw); err != nil {
		return fmt.Errorf("frontchannel_logout_uri: %w", err)
	}
	if strings.Contains(raw, "?") || authcore.CSPFrameSource(raw) == "" {
		return fmt.Errorf("frontchannel_logout_uri %q must have a plain path (letters, digits, -._~/%%) and no query", raw)
	}
	return nil
}

// isLoopbackHost reports whether h names the loopback interface.
func isLoopbackHost(h string) bool {
	return h == "127.0.0.1" || h == "::1" || h == "localhost"
}
