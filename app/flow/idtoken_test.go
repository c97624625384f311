package flow

import (
	"strings"
	"testing"
)

// The ID token's at_hash, azp and nonce are checked, and each wrong one
// is a finding with the OIDC Core section (§3.1.3.6 to §3.1.3.8).
func TestIDTokenAtHashAzpNonce(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(c map[string]any, at string)
		rule   string
		sev    string
		detail string // in the failed check's detail
	}{
		{"good at_hash, several aud with azp", func(c map[string]any, at string) {
			c["at_hash"], _ = halfHash("ES256", at)
			c["aud"] = []any{fakeClient, "https://api.example"}
			c["azp"] = fakeClient
		}, "", "", ""},
		{"at_hash of another token", func(c map[string]any, at string) {
			c["at_hash"], _ = halfHash("ES256", at+"x")
		}, RuleAtHash, SeverityError, "the access token hashes to"},
		{"at_hash with the wrong hash function", func(c map[string]any, at string) {
			c["at_hash"], _ = halfHash("ES512", at)
		}, RuleAtHash, SeverityError, "with ES256"},
		{"several aud without azp", func(c map[string]any, at string) {
			c["aud"] = []any{fakeClient, "https://api.example"}
		}, RuleAzp, SeverityWarning, "no azp"},
		{"azp names another client", func(c map[string]any, at string) {
			c["azp"] = "client-2"
		}, RuleAzp, SeverityError, `azp "client-2"`},
		{"nonce not returned", func(c map[string]any, at string) {
			delete(c, "nonce")
		}, RuleNonce, SeverityError, `ID token has ""`},
		{"nonce of another request", func(c map[string]any, at string) {
			c["nonce"] = "replayed-nonce"
		}, RuleNonce, SeverityError, `"replayed-nonce"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(f *fake) { f.idEdit = tc.edit })
			tr, err := runFake(t, f, Options{Flow: FlowAuthorizationCode, ClientSecret: fakeSecret})
			if err != nil {
				t.Fatalf("%v\n%v", err, stepNames(tr))
			}
			if tc.rule == "" {
				if bad := failedChecks(tr); len(bad) > 0 {
					t.Fatalf("failed checks: %v", bad)
				}
				wantSeverity(t, tr, RuleAtHash, SeverityPass)
				wantSeverity(t, tr, RuleAzp, SeverityPass)
				wantSeverity(t, tr, RuleNonce, SeverityPass)
				noBad(t, tr)
				return
			}
			wantOneFailure(t, tr, tc.rule, tc.sev, tc.detail)
		})
	}
	// Without at_hash (optional in the code flow) nothing is claimed; a
	// note says so.
	tr, err := runFake(t, newFake(t, nil), Options{Flow: FlowAuthorizationCode, ClientSecret: fakeSecret})
	if err != nil {
		t.Fatal(err)
	}
	if len(severity(tr, RuleAtHash)) != 0 || len(severity(tr, RuleAzp)) != 0 ||
		!strings.Contains(strings.Join(tr.Steps[4].Notes, " "), "no at_hash") {
		t.Fatalf("findings %v, notes %v", tr.Findings, tr.Steps[4].Notes)
	}
}

func TestHalfHash(t *testing.T) {
	// OIDC Core §A.3 example: the at_hash of this access token with RS256.
	got, err := halfHash("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y")
	if err != nil || got != "77QmUPtjPfzWtF2AnpK9RQ" {
		t.Fatalf("%q %v", got, err)
	}
	for _, alg := range []string{"ES384", "PS512", "EdDSA"} {
		if h, err := halfHash(alg, "x"); err != nil || h == "" {
			t.Fatalf("%s: %q %v", alg, h, err)
		}
	}
	if _, err := halfHash("none", "x"); err == nil {
		t.Fatal("alg none hashed")
	}
}
