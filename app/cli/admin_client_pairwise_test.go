package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// client create --subject-type pairwise registers a pairwise client whose
// sector is its redirect host, refuses one whose redirect URIs sit on
// several hosts without a sector_identifier_uri, an update keeps the
// subject type, and `user subjects` shows the sub that client sees: not
// the user id, the same on every call.
func TestClientCLIPairwise(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, "", "client", "create", "--data", data, "--name", "Clinic",
		"--redirect-uri", "https://clinic.example/cb", "--subject-type", "pairwise", "--json")
	var reg map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &reg) != nil || reg["subject_type"] != "pairwise" || reg["sector"] != "clinic.example" {
		t.Fatalf("create: %d %s %s", code, out, errOut)
	}
	id, _ := reg["client_id"].(string)
	code, _, errOut = runCLI(t, "", "client", "create", "--data", data, "--name", "Two hosts", "--subject-type", "pairwise",
		"--redirect-uri", "https://a.example/cb", "--redirect-uri", "https://b.example/cb")
	if code != 1 || !strings.Contains(errOut, "sector_identifier_uri") {
		t.Fatalf("several redirect hosts accepted: %d %s", code, errOut)
	}
	code, out, errOut = runCLI(t, "", "client", "update", "--data", data, "--name", "Clinic 2", id, "--json")
	if code != 0 || json.Unmarshal([]byte(out), &reg) != nil || reg["subject_type"] != "pairwise" {
		t.Fatalf("update lost the subject type: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "correct horse battery\n", "user", "create", "--data", data, "--username", "alice", "--password-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	var subs []map[string]any
	code, out, errOut = runCLI(t, "", "user", "subjects", "--data", data, "alice", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &subs) != nil || len(subs) != 1 || subs[0]["client_id"] != id {
		t.Fatalf("user subjects: %d %s %s", code, out, errOut)
	}
	sub, _ := subs[0]["subject"].(string)
	_, again, _ := runCLI(t, "", "user", "subjects", "--data", data, "alice", "--json")
	if len(sub) != 43 || !strings.Contains(again, sub) {
		t.Fatalf("pairwise sub %q, then %s", sub, again)
	}
}
