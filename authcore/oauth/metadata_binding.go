package oauth

import (
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/dpop"
)

// bindingMetadata advertises DPoP (RFC 9449 §5.1), mTLS (RFC 8705 §2.3,
// §3.3) and dynamic registration (RFC 7591 §3, RFC 8414 §2), each only
// when it is on.
func (s *Server) bindingMetadata(m map[string]any) {
	if !s.cfg.DPoP.Disabled {
		m["dpop_signing_alg_values_supported"] = dpop.Algorithms
	}
	if s.cfg.MTLS.Enabled {
		m["tls_client_certificate_bound_access_tokens"] = true
		for _, k := range []string{"token_endpoint_auth_methods_supported",
			"revocation_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported"} {
			if have, ok := m[k].([]string); ok {
				m[k] = append(append([]string(nil), have...), authcore.AuthTLSClient, authcore.AuthSelfSignedTLSClient)
			}
		}
	}
	if s.cfg.Registration.Enabled {
		m["registration_endpoint"] = s.cfg.Issuer + "/register"
	}
}
