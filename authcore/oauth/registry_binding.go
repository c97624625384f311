package oauth

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/authcore"
)

// maxContacts bounds the contacts a client may register.
const maxContacts = 10

// validateBindingSpec checks the sender-constraint settings (RFC 9449
// §5.2, RFC 8705 §2.1.2 and §3.4) and the display metadata (RFC 7591 §2)
// of spec and copies them to c.
func (s *Server) validateBindingSpec(c *authcore.Client, spec ClientSpec) error {
	bad := func(format string, a ...any) error {
		return authcore.Invalid(ErrInvalidClientMetadata, format, a...)
	}
	if spec.DPoPBoundAccessTokens && s.cfg.DPoP.Disabled {
		return bad("dpop_bound_access_tokens needs DPoP, which is off")
	}
	if spec.TLSClientCertificateBoundAccessTokens && !s.cfg.MTLS.Enabled {
		return bad("tls_client_certificate_bound_access_tokens needs mutual TLS, which is off")
	}
	c.DPoPBoundAccessTokens = spec.DPoPBoundAccessTokens
	c.TLSClientCertificateBoundAccessTokens = spec.TLSClientCertificateBoundAccessTokens
	n, t := 0, spec.TLSClientAuth
	for _, v := range []string{t.SubjectDN, t.SANDNS, t.SANURI, t.SANIP, t.SANEmail} {
		if v != "" {
			n++
		}
		if len(v) > 1000 {
			return bad("tls_client_auth names are at most 1000 bytes")
		}
	}
	switch {
	case c.AuthMethod == authcore.AuthTLSClient && n != 1:
		return bad("tls_client_auth needs exactly one of tls_client_auth_subject_dn, _san_dns, _san_uri, _san_ip, _san_email")
	case c.AuthMethod != authcore.AuthTLSClient && n != 0:
		return bad("tls_client_auth_* metadata is only used with tls_client_auth")
	case t.SANIP != "" && net.ParseIP(t.SANIP) == nil:
		return bad("tls_client_auth_san_ip is not an IP address")
	}
	c.TLSClientAuth = t
	for name, u := range map[string]string{"logo_uri": spec.LogoURI, "client_uri": spec.ClientURI,
		"policy_uri": spec.PolicyURI, "tos_uri": spec.TOSURI} {
		if err := validateDisplayURI(u); err != nil {
			return bad("%s: %v", name, err)
		}
	}
	c.LogoURI, c.ClientURI, c.PolicyURI, c.TOSURI = spec.LogoURI, spec.ClientURI, spec.PolicyURI, spec.TOSURI
	if len(spec.Contacts) > maxContacts {
		return bad("at most %d contacts", maxContacts)
	}
	for _, ct := range spec.Contacts {
		if ct == "" || len(ct) > 254 || strings.ContainsAny(ct, "\r\n<>") {
			return bad("contacts must be e-mail addresses")
		}
	}
	c.Contacts = dedupe(spec.Contacts)
	return nil
}

// validateDisplayURI accepts "" or an absolute https URL without userinfo
// or fragment whose host is not a loopback, private or link-local
// address (RFC 7591 §2, §5). Latchkey never fetches these URLs; a user's
// browser may, so inward addresses are refused (docs/security.md REG-02).
func validateDisplayURI(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 2000 || u.Scheme != "https" || u.Host == "" || u.User != nil ||
		u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("must be an https URL without userinfo or fragment")
	}
	if internalHost(u.Hostname()) {
		return fmt.Errorf("must not point at a loopback, private or link-local address")
	}
	return nil
}

// internalHost reports whether h is localhost or an IP literal that is
// not a public unicast address (loopback, private, link-local, ULA,
// unspecified, multicast; IPv4-mapped forms included).
func internalHost(h string) bool {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	if ip == nil {
		return false
	}
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		(len(ip) == 4 && ip[0] == 0) || (len(ip) == 4 && ip[0] == 100 && ip[1]&0xc0 == 64)
}

// validateCertJWKS checks the JWKS of a self_signed_tls_client_auth
// client (RFC 8705 §2.2): public keys only, each with an x5c certificate
// whose key is the JWK's.
func validateCertJWKS(c *authcore.Client, spec ClientSpec) error {
	bad := func(format string, a ...any) error {
		return authcore.Invalid(ErrInvalidClientMetadata, format, a...)
	}
	var set jose.JSONWebKeySet
	if spec.JWKS == "" || len(spec.JWKS) > 64<<10 || json.Unmarshal([]byte(spec.JWKS), &set) != nil || len(set.Keys) == 0 {
		return bad("self_signed_tls_client_auth needs a jwks with the client's certificates (x5c)")
	}
	for _, k := range set.Keys {
		if !k.IsPublic() || len(k.Certificates) == 0 {
			return bad("every jwks key must be public and carry its x5c certificate")
		}
	}
	c.JWKS = spec.JWKS
	return nil
}
