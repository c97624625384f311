package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// client create and update carry authorization_signed_response_alg
// (JARM §3): set on create, kept by an update that does not name it,
// refused for an algorithm the server does not sign with.
func TestClientCLIAuthorizationResponseAlg(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, "", "client", "create", "--data", data, "--name", "Bank",
		"--redirect-uri", "https://bank.example/cb", "--authorization-response-alg", "ES256", "--json")
	if code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	var reg map[string]any
	if err := json.Unmarshal([]byte(out), &reg); err != nil || reg["authorization_signed_response_alg"] != "ES256" {
		t.Fatalf("create answer %v: %s", err, out)
	}
	id, _ := reg["client_id"].(string)
	code, out, errOut = runCLI(t, "", "client", "update", "--data", data, "--name", "Bank 2", id, "--json")
	if code != 0 || !strings.Contains(out, `"authorization_signed_response_alg": "ES256"`) && !strings.Contains(out, `"authorization_signed_response_alg":"ES256"`) {
		t.Fatalf("update kept no alg: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", "client", "update", "--data", data, "--authorization-response-alg", "HS256", id)
	if code != 1 || !strings.Contains(errOut, "authorization_signed_response_alg") {
		t.Fatalf("HS256 accepted: %d %s", code, errOut)
	}
}

// client create carries the front-channel logout URI and refuses one a
// frame-src cannot name exactly (OIDC Front-Channel Logout 1.0 §2).
func TestClientCLIFrontchannelLogout(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, "", "client", "create", "--data", data, "--name", "Portal",
		"--redirect-uri", "https://portal.example/cb", "--frontchannel-logout-uri", "https://portal.example/fc",
		"--frontchannel-logout-session", "--json")
	var reg map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &reg) != nil || reg["frontchannel_logout_uri"] != "https://portal.example/fc" ||
		reg["frontchannel_logout_session_required"] != true {
		t.Fatalf("create: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", "client", "create", "--data", data, "--name", "Bad",
		"--redirect-uri", "https://portal.example/cb", "--frontchannel-logout-uri", "https://portal.example/fc?x=1")
	if code != 1 || !strings.Contains(errOut, "frontchannel_logout_uri") {
		t.Fatalf("query accepted: %d %s", code, errOut)
	}
}
