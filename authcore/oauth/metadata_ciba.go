package oauth

import (
	"slices"

	"github.com/latchkey/latchkey/authcore"
)

// cibaDeliveryModes are the token delivery modes implemented (CIBA Core
// 1.0 §5); push is not.
var cibaDeliveryModes = []string{authcore.CIBAPoll, authcore.CIBAPing}

// cibaMetadata adds, while CIBA runs, the backchannel authentication
// endpoint, the delivery modes and the CIBA grant type (CIBA Core 1.0
// §4). backchannel_user_code_parameter_supported and the request
// signing algorithms are left out: neither is implemented.
func (s *Server) cibaMetadata(m map[string]any) {
	if !s.cibaEnabled() {
		return
	}
	m["backchannel_authentication_endpoint"] = s.cfg.Issuer + "/bc-authorize"
	m["backchannel_token_delivery_modes_supported"] = cibaDeliveryModes
	if gts, ok := m["grant_types_supported"].([]string); ok && !slices.Contains(gts, authcore.GrantCIBA) {
		m["grant_types_supported"] = append(slices.Clone(gts), authcore.GrantCIBA)
	}
}
