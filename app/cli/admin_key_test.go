package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore"
)

// `key rotate` shows when the next key takes over, in the table and in
// words; --json carries the same promote_at.
func TestKeyRotateSaysWhenTheNextKeyTakesOver(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := runCLI(t, "", "key", "list", "--data", data); code != 0 {
		t.Fatalf("key list: %s", errOut)
	}
	code, out, errOut := runCLI(t, "", "key", "rotate", "--data", data)
	if code != 0 {
		t.Fatalf("key rotate: %d %s", code, errOut)
	}
	code, js, _ := runCLI(t, "", "key", "list", "--data", data, "--json")
	var ks []app.Key
	if err := json.Unmarshal([]byte(js), &ks); code != 0 || err != nil {
		t.Fatalf("key list --json: %v %s", err, js)
	}
	var next app.Key
	for _, k := range ks {
		if k.State == "next" && k.PromoteAt != "" {
			next = k
		}
	}
	if next.ID == "" {
		t.Fatalf("no scheduled next key after rotate: %s", js)
	}
	at, _ := time.Parse(time.RFC3339, next.PromoteAt)
	want := "The next key " + next.ID + " becomes active at " + when(next.PromoteAt, time.Now())
	if !strings.Contains(out, "TAKES OVER") || !strings.Contains(out, next.PromoteAt) || !strings.Contains(out, want) ||
		!strings.Contains(out, at.UTC().Format("15:04 UTC")) {
		t.Errorf("rotate output lacks the takeover time %s:\n%s", next.PromoteAt, out)
	}
}

func TestRotationSummary(t *testing.T) {
	now := time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC)
	before := []app.Key{{ID: "old", Algorithm: "ES256", State: "active"}, {ID: "n1", Algorithm: "ES256", State: "next"}}
	for _, c := range []struct {
		name  string
		after []app.Key
		want  string
	}{
		{"scheduled today", []app.Key{{ID: "old", Algorithm: "ES256", State: "active"},
			{ID: "n1", Algorithm: "ES256", State: "next", PromoteAt: "2026-12-04T23:15:00Z"}},
			"The next key n1 becomes active at 23:15 UTC, when relying parties have had the JWKS for its max-age"},
		{"scheduled tomorrow", []app.Key{{ID: "old", Algorithm: "ES256", State: "active"},
			{ID: "n1", Algorithm: "ES256", State: "next", PromoteAt: "2026-12-05T01:00:00Z"}},
			"becomes active at 2026-12-05 01:00 UTC"},
		{"at once", []app.Key{{ID: "n1", Algorithm: "ES256", State: "active"}, {ID: "old", Algorithm: "ES256", State: "retired"},
			{ID: "n2", Algorithm: "ES256", State: "next"}},
			"The next key n1 is active now"},
	} {
		if got := rotationSummary(before, c.after, "", now); !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// Every --help that takes a grant type names every grant a client may
// register, and each of them is accepted.
func TestGrantTypeHelpListsEveryGrant(t *testing.T) {
	for _, cmd := range []string{"create", "update"} {
		_, _, help := runCLI(t, "", "client", cmd, "--help")
		for _, g := range authcore.SupportedGrants() {
			if !strings.Contains(help, g) {
				t.Errorf("client %s --help lacks %s", cmd, g)
			}
		}
	}
	data := t.TempDir()
	for _, g := range authcore.SupportedGrants() {
		code, _, errOut := runCLI(t, "", "client", "create", "--data", data, "--name", "c", "--grant-type", g,
			"--redirect-uri", "https://app.example/cb")
		if code != 0 {
			t.Errorf("--grant-type %s refused: %s", g, errOut)
		}
	}
}
