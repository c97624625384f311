package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The CLI registers, lists, updates and deletes authorization_details
// types (RFC 9396), refuses a bad schema or template with the reason,
// and gives a client the types it may request.
func TestCLIDetailTypes(t *testing.T) {
	data := t.TempDir()
	schema := filepath.Join(t.TempDir(), "pay.json")
	if err := os.WriteFile(schema, []byte(`{"type":"object","required":["amount"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"type":"banana"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(want int, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "", append(args, "--data", data)...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d: %s %s", args, code, want, out, errOut)
		}
		return out + errOut
	}
	run(0, "detail-type", "create", "payment_initiation", "--schema", schema, "--consent", "Pay {{amount}}", "--description", "Payments")
	if out := run(1, "detail-type", "create", "other", "--schema", bad, "--consent", "x"); !strings.Contains(out, "not a valid JSON Schema") {
		t.Errorf("bad schema: %s", out)
	}
	if out := run(1, "detail-type", "update", "payment_initiation", "--schema", schema, "--consent", "{{amount | html}}"); !strings.Contains(out, "placeholders") {
		t.Errorf("bad template: %s", out)
	}
	run(0, "detail-type", "update", "payment_initiation", "--consent", "Pay {{amount}} now")
	if out := run(0, "detail-type", "list"); !strings.Contains(out, "Pay {{amount}} now") || !strings.Contains(out, "Payments") {
		t.Errorf("list: %s", out)
	}
	if out := run(1, "client", "create", "--name", "Shop", "--redirect-uri", "https://shop.example/cb", "--scope", "openid",
		"--authorization-details-type", "wire_transfer"); !strings.Contains(out, "wire_transfer") {
		t.Errorf("client with an unregistered type: %s", out)
	}
	if out := run(0, "client", "create", "--name", "Shop", "--redirect-uri", "https://shop.example/cb", "--scope", "openid",
		"--authorization-details-type", "payment_initiation", "--json"); !strings.Contains(out, `"authorization_details_types": [`) {
		t.Errorf("client create: %s", out)
	}
	run(0, "detail-type", "delete", "payment_initiation")
	run(1, "detail-type", "delete", "payment_initiation")
}
