package server_test

import (
	"testing"

	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
)

// Both discovery documents (RFC 8414, OIDC Discovery 1.0) follow the
// server's switches: DPoP, dynamic registration and the device grant are
// advertised only when on, and an advertised endpoint answers while an
// unadvertised one is not there.
func TestDiscoveryFollowsSwitches(t *testing.T) {
	docs := []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}
	_, on := servertest.Start(t, func(c *server.Config) {
		c.Registration = oauth.RegistrationConfig{Enabled: true, Open: true}
	})
	_, off := servertest.Start(t, func(c *server.Config) {
		c.DPoP.Disabled, c.Device.Disabled = true, true
	})
	fields := []string{"dpop_signing_alg_values_supported", "registration_endpoint", "device_authorization_endpoint"}
	for _, path := range docs {
		var mOn, mOff map[string]any
		getJSON(t, on+path, &mOn)
		getJSON(t, off+path, &mOff)
		for _, f := range fields {
			if _, ok := mOn[f]; !ok {
				t.Errorf("%s: %s missing with the feature on", path, f)
			}
			if _, ok := mOff[f]; ok {
				t.Errorf("%s: %s advertised with the feature off", path, f)
			}
		}
	}
	for _, ep := range []string{"/register", "/device_authorization"} {
		if st, _ := postForm(t, on+ep, nil, "", ""); st == 404 {
			t.Errorf("advertised %s answers 404", ep)
		}
		if st, _ := postForm(t, off+ep, nil, "", ""); st != 404 {
			t.Errorf("unadvertised %s answers %d", ep, st)
		}
	}
}
