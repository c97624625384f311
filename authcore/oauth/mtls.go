package oauth

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/authcore"
)

// MTLSConfig configures mutual-TLS client authentication and
// certificate-bound access tokens (RFC 8705). It only works when the
// listener asks clients for certificates (tls.RequestClientCert); the
// server sets Enabled then.
type MTLSConfig struct {
	// Enabled turns on tls_client_auth, self_signed_tls_client_auth and
	// certificate-bound tokens, and advertises them (RFC 8705 §3.3).
	Enabled bool
	// ClientCAs verify the certificates of tls_client_auth clients (RFC
	// 8705 §2.1); nil means the system roots.
	ClientCAs *x509.CertPool
}

// isMTLSMethod reports whether method is one of RFC 8705 §2's.
func isMTLSMethod(method string) bool {
	return method == authcore.AuthTLSClient || method == authcore.AuthSelfSignedTLSClient
}

// peerCert is the request's TLS client certificate, or nil.
func peerCert(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	return r.TLS.PeerCertificates[0]
}

// certThumbprint is the x5t#S256 of a certificate (RFC 8705 §3.1).
func certThumbprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// certBinding is the certificate thumbprint a token request's access
// tokens are bound to (RFC 8705 §3): the presented certificate's, when
// the client registered tls_client_certificate_bound_access_tokens or
// authenticated with mTLS. Such a client without a certificate is
// invalid_request.
func (s *Server) certBinding(r *http.Request, c authcore.Client) (string, error) {
	if !s.cfg.MTLS.Enabled || (!c.TLSClientCertificateBoundAccessTokens && !isMTLSMethod(c.AuthMethod)) {
		return "", nil
	}
	cert := peerCert(r)
	if cert == nil {
		return "", errInvalidRequest("this client must present its TLS client certificate")
	}
	return certThumbprint(cert), nil
}

// authenticateMTLS authenticates client c by its TLS client certificate
// (RFC 8705 §2): for tls_client_auth a certificate that chains to the
// configured CAs and carries the registered subject DN or SAN (§2.1.2);
// for self_signed_tls_client_auth one of the certificates in the
// client's registered JWKS (x5c, §2.2). The Authorization header was not
// used, so a failure carries no Basic challenge.
func (s *Server) authenticateMTLS(r *http.Request, c authcore.Client) (clientAuth, error) {
	fail := errInvalidClient("client authentication failed", false)
	cert := peerCert(r)
	if !s.cfg.MTLS.Enabled || cert == nil || c.Type != authcore.Confidential {
		return clientAuth{}, fail
	}
	now := s.now()
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return clientAuth{}, fail
	}
	switch c.AuthMethod {
	case authcore.AuthTLSClient:
		inter := x509.NewCertPool()
		for _, ic := range r.TLS.PeerCertificates[1:] {
			inter.AddCert(ic)
		}
		_, err := cert.Verify(x509.VerifyOptions{Roots: s.cfg.MTLS.ClientCAs, Intermediates: inter,
			CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		if err != nil || !certNames(cert, c.TLSClientAuth) {
			return clientAuth{}, fail
		}
	case authcore.AuthSelfSignedTLSClient:
		if !certRegistered(cert, c.JWKS) {
			return clientAuth{}, fail
		}
	default:
		return clientAuth{}, fail
	}
	return clientAuth{client: c, method: c.AuthMethod}, nil
}

// certNames matches the certificate against the one registered name
// (RFC 8705 §2.1.2): the subject DN in RFC 4514 form, or a SAN entry.
func certNames(cert *x509.Certificate, want authcore.TLSClientAuth) bool {
	switch {
	case want.SubjectDN != "":
		return sameDN(cert.Subject.String(), want.SubjectDN)
	case want.SANDNS != "":
		return containsFold(cert.DNSNames, want.SANDNS)
	case want.SANEmail != "":
		return containsFold(cert.EmailAddresses, want.SANEmail)
	case want.SANURI != "":
		for _, u := range cert.URIs {
			if u.String() == want.SANURI {
				return true
			}
		}
	case want.SANIP != "":
		ip := net.ParseIP(want.SANIP)
		for _, a := range cert.IPAddresses {
			if ip != nil && a.Equal(ip) {
				return true
			}
		}
	}
	return false
}

// sameDN compares two RFC 4514 DNs after removing the spaces around
// separators and ignoring the case of attribute types and values.
func sameDN(a, b string) bool {
	norm := func(s string) string {
		parts := strings.Split(s, ",")
		for i, p := range parts {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			parts[i] = strings.ToUpper(strings.TrimSpace(k)) + "=" + strings.TrimSpace(v)
		}
		return strings.ToLower(strings.Join(parts, ","))
	}
	return norm(a) == norm(b)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// certRegistered reports whether cert is the first x5c certificate of a
// key in the client's JWKS (RFC 8705 §2.2).
func certRegistered(cert *x509.Certificate, jwks string) bool {
	var set jose.JSONWebKeySet
	if jwks == "" || json.Unmarshal([]byte(jwks), &set) != nil {
		return false
	}
	for _, k := range set.Keys {
		if len(k.Certificates) > 0 && k.Certificates[0].Equal(cert) {
			return true
		}
	}
	return false
}
