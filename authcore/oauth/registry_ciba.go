package oauth

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/authcore"
)

// validateCIBASpec checks the CIBA client metadata of spec (CIBA Core
// 1.0 §4) and copies it to c: a client with the CIBA grant names poll or
// ping, a ping client an https notification endpoint (http only on
// loopback, and only while the issuer itself is on loopback, as for a
// development setup); push, signed CIBA requests and user codes are not
// implemented and refused. A client without the grant may not set the
// delivery members.
func (s *Server) validateCIBASpec(c *authcore.Client, spec ClientSpec) error {
	bad := func(format string, a ...any) error {
		return authcore.Invalid(ErrInvalidClientMetadata, format, a...)
	}
	mode, endpoint := spec.BackchannelTokenDeliveryMode, spec.BackchannelClientNotificationEndpoint
	switch {
	case spec.BackchannelAuthenticationRequestSigningAlg != "":
		return bad("backchannel_authentication_request_signing_alg is not supported: send CIBA requests as form parameters")
	case spec.BackchannelUserCodeParameter:
		return bad("backchannel_user_code_parameter is not supported")
	case !c.AllowsGrant(authcore.GrantCIBA):
		if mode != "" || endpoint != "" {
			return bad("backchannel_token_delivery_mode needs the %s grant type", authcore.GrantCIBA)
		}
		return nil
	case mode == "":
		return bad("the CIBA grant needs backchannel_token_delivery_mode (poll or ping)")
	case mode != authcore.CIBAPoll && mode != authcore.CIBAPing:
		return bad("backchannel_token_delivery_mode %q is not supported (poll or ping; push is not)", mode)
	case mode == authcore.CIBAPoll && endpoint != "":
		return bad("backchannel_client_notification_endpoint is for the ping mode")
	case mode == authcore.CIBAPing:
		if err := s.validateNotificationEndpoint(endpoint); err != nil {
			return bad("%v", err)
		}
	}
	c.BackchannelTokenDeliveryMode, c.BackchannelClientNotificationEndpoint = mode, endpoint
	return nil
}

// validateNotificationEndpoint accepts an absolute https URI without
// fragment or userinfo (CIBA Core 1.0 §4), or http on a loopback host
// when the issuer is on loopback too.
func (s *Server) validateNotificationEndpoint(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return fmt.Errorf("the ping mode needs backchannel_client_notification_endpoint")
	case err != nil || len(raw) > 2000 || u.Host == "" || u.User != nil || strings.Contains(raw, "#"):
		return fmt.Errorf("backchannel_client_notification_endpoint %q is not an absolute URI without fragment", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()) && s.loopbackIssuer():
		return nil
	}
	return fmt.Errorf("backchannel_client_notification_endpoint %q must be https", raw)
}

// loopbackIssuer reports whether the issuer is an http URL, which
// checkIssuer allows only on loopback names (development).
func (s *Server) loopbackIssuer() bool {
	u, err := url.Parse(s.cfg.Issuer)
	return err == nil && u.Scheme == "http"
}

// cibaMetadata are the CIBA members of registration metadata (CIBA Core
// 1.0 §4), as registered and as answered.
type cibaMetadata struct {
	BackchannelTokenDeliveryMode               string `json:"backchannel_token_delivery_mode,omitempty"`
	BackchannelClientNotificationEndpoint      string `json:"backchannel_client_notification_endpoint,omitempty"`
	BackchannelAuthenticationRequestSigningAlg string `json:"backchannel_authentication_request_signing_alg,omitempty"`
	BackchannelUserCodeParameter               bool   `json:"backchannel_user_code_parameter,omitempty"`
}

// cibaSpec copies registered CIBA metadata into spec. A dynamically
// registered client's notification endpoint must not lead inward
// (docs/security.md REG-02), as its back-channel logout URI.
func cibaSpec(m cibaMetadata, spec *ClientSpec) error {
	spec.BackchannelTokenDeliveryMode = m.BackchannelTokenDeliveryMode
	spec.BackchannelClientNotificationEndpoint = m.BackchannelClientNotificationEndpoint
	spec.BackchannelAuthenticationRequestSigningAlg = m.BackchannelAuthenticationRequestSigningAlg
	spec.BackchannelUserCodeParameter = m.BackchannelUserCodeParameter
	if err := checkBackchannel(m.BackchannelClientNotificationEndpoint); err != nil {
		return authcore.Invalid(ErrInvalidClientMetadata, "backchannel_client_notification_endpoint %v", err)
	}
	return nil
}

// cibaMetadataOf is c's registered CIBA metadata.
func cibaMetadataOf(c authcore.Client) cibaMetadata {
	return cibaMetadata{BackchannelTokenDeliveryMode: c.BackchannelTokenDeliveryMode,
		BackchannelClientNotificationEndpoint: c.BackchannelClientNotificationEndpoint}
}
