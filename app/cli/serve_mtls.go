package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/latchkey/latchkey/authcore/oauth"
)

// requestClientCerts makes the listener ask TLS clients for a
// certificate when --tls-client-ca is set (RFC 8705 mTLS). The handshake
// does not verify it (tls.RequestClientCert): self-signed certificates
// must reach self_signed_tls_client_auth, and browsers without one must
// still connect. tls_client_auth verifies the chain against the
// --tls-client-ca pool in the application instead. No CA list is sent
// in the request, so clients offer self-signed certificates too.
func (f *serveFlags) requestClientCerts(cfg *tls.Config) (*tls.Config, error) {
	switch f.tlsClientCA {
	case "":
		return cfg, nil
	case "system":
		pool, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca system: %w", err)
		}
		f.clientCAs = pool
	case "self-signed":
		f.clientCAs = x509.NewCertPool() // tls_client_auth trusts no CA
	default:
		pem, err := os.ReadFile(f.tlsClientCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca: %w", err)
		}
		f.clientCAs = x509.NewCertPool()
		if !f.clientCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-client-ca %s: no PEM certificate", f.tlsClientCA)
		}
	}
	cfg.ClientAuth = tls.RequestClientCert
	return cfg, nil
}

// mtls is the OAuth server's mTLS setting: on only when the listener
// requests client certificates.
func (f *serveFlags) mtls(tlsCfg *tls.Config) oauth.MTLSConfig {
	on := tlsCfg != nil && tlsCfg.ClientAuth == tls.RequestClientCert && f.clientCAs != nil
	return oauth.MTLSConfig{Enabled: on, ClientCAs: f.clientCAs}
}
