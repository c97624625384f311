package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// idp add|list|show|update|test|remove on a data directory, with --json;
// the client secret is read from stdin and never printed.
func TestIDPCommands(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, "s3cret-value\n", "idp", "add", "--data", data, "--id", "corp", "--issuer", "https://idp.example",
		"--client-id", "latchkey", "--client-secret", "-", "--audience", "app1", "--scope", "orders:read",
		"--provisioning", "create", "--enabled", "--json")
	if code != 0 {
		t.Fatalf("add: %d %s", code, errOut)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(out), &p); err != nil || p["has_client_secret"] != true || p["enabled"] != true ||
		strings.Contains(out, "s3cret") || !strings.HasSuffix(p["redirect_uri"].(string), "/federation/callback") {
		t.Fatalf("add output: %s", out)
	}
	code, out, _ = runCLI(t, "", "idp", "update", "--data", data, "--enabled=false", "--name", "Corp SSO", "corp", "--json")
	if code != 0 || !strings.Contains(out, `"enabled": false`) || !strings.Contains(out, `"Corp SSO"`) || !strings.Contains(out, `"app1"`) {
		t.Fatalf("update: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "", "idp", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "corp") || strings.Contains(out, "s3cret") {
		t.Fatalf("list: %s", out)
	}
	code, out, _ = runCLI(t, "", "idp", "show", "--data", data, "corp")
	if code != 0 || !regexp.MustCompile(`client secret set +true`).MatchString(out) {
		t.Fatalf("show: %s", out)
	}
	code, _, errOut = runCLI(t, "", "idp", "add", "--data", data, "--id", "bad", "--issuer", "http://idp.example", "--audience", "a")
	if code != 1 || !strings.Contains(errOut, "https") {
		t.Fatalf("add with http issuer: %d %s", code, errOut)
	}
	code, out, _ = runCLI(t, "", "idp", "test", "--data", data, "https://127.0.0.1:1", "--json")
	if code != 0 || !strings.Contains(out, `"ok": false`) || !strings.Contains(out, `"error"`) {
		t.Fatalf("test of an unreachable issuer: %d %s", code, out)
	}
	if code, _, errOut = runCLI(t, "", "idp", "remove", "--data", data, "corp"); code != 0 {
		t.Fatalf("remove: %s", errOut)
	}
	if code, _, _ = runCLI(t, "", "idp", "show", "--data", data, "corp"); code == 0 {
		t.Fatal("show after remove succeeded")
	}
}
