package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// settings show|set|reset on a data directory: values are validated, saved
// and survive the process; reset un-pins them; ca says there is none.
func TestSettingsCommands(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, "", "settings", "set", "--data", data, "--access-token-ttl", "5m", "--lockout-threshold", "3", "--json")
	if code != 0 {
		t.Fatalf("set: %d %s", code, errOut)
	}
	var s struct {
		Policy []struct {
			Key, Value, Default, Source string
		}
		Changed []struct{ Key, From, To string }
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Changed) != 2 {
		t.Fatalf("set --json: %v\n%s", err, out)
	}
	code, out, _ = runCLI(t, "", "settings", "show", "--data", data)
	if code != 0 || !strings.Contains(out, "access_token_ttl") || !strings.Contains(out, "5m") || !strings.Contains(out, "saved") {
		t.Fatalf("show after set: %d\n%s", code, out)
	}
	code, _, errOut = runCLI(t, "", "settings", "set", "--data", data, "--audit-retention", "1h")
	if code == 0 || !strings.Contains(errOut, "Audit retention: must be from 1d to 3650d") {
		t.Fatalf("bad retention: %d %s", code, errOut)
	}
	if code, _, _ = runCLI(t, "", "settings", "set", "--data", data); code == 0 {
		t.Fatal("set with nothing to set succeeded")
	}
	code, out, _ = runCLI(t, "", "settings", "reset", "--data", data, "--json")
	if code != 0 || strings.Contains(out, `"source": "saved"`) {
		t.Fatalf("reset: %d\n%s", code, out)
	}
	code, _, errOut = runCLI(t, "", "settings", "ca", "--data", data)
	if code == 0 || !strings.Contains(errOut, "no local CA") {
		t.Fatalf("ca without --tls-auto: %d %s", code, errOut)
	}
}
