package oauth

import (
	"slices"

	"github.com/latchkey/latchkey/authcore"
)

// parMetadata adds what par.go, jar.go, resource.go and device.go
// implement (RFC 8414 §2; RFC 9126 §5; RFC 9101 §10.5; RFC 8628 §4):
//
//   - pushed_authorization_request_endpoint and
//     require_pushed_authorization_requests (the server-wide switch);
//   - request_parameter_supported and
//     request_object_signing_alg_values_supported (never none or HS*);
//   - request_uri_parameter_supported: true, for PAR URNs only (a
//     client-hosted request_uri is refused, never fetched);
//   - device_authorization_endpoint and the device_code grant type,
//     unless the device grant is disabled.
func (s *Server) parMetadata(m map[string]any) {
	iss := s.cfg.Issuer
	m["pushed_authorization_request_endpoint"] = iss + "/par"
	m["require_pushed_authorization_requests"] = s.cfg.RequirePAR
	m["request_parameter_supported"] = true
	m["request_object_signing_alg_values_supported"] = RequestObjectAlgorithms()
	m["request_uri_parameter_supported"] = true
	if s.cfg.Device.Disabled {
		return
	}
	m["device_authorization_endpoint"] = iss + "/device_authorization"
	if gts, ok := m["grant_types_supported"].([]string); ok && !slices.Contains(gts, authcore.GrantDeviceCode) {
		m["grant_types_supported"] = append(slices.Clone(gts), authcore.GrantDeviceCode)
	}
}
