package flow

import (
	"strings"
	"testing"
)

// TestIDTokenACR: the ID token step shows acr, amr and auth_time; with
// acr_values sent, an acr among them passes and a weaker one is flagged
// (a warning: acr_values is voluntary), and no acr_values means no check.
func TestIDTokenACR(t *testing.T) {
	const mfa = "urn:latchkey:acr:mfa"
	cases := []struct {
		name, asked, acr string
		sev              string // "" when no finding is expected
	}{
		{"honoured", mfa, mfa, SeverityPass},
		{"weaker answer", mfa, "urn:latchkey:acr:password", SeverityWarning},
		{"no acr at all", mfa, "", SeverityWarning},
		{"nothing asked", "", "urn:latchkey:acr:password", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(f *fake) {
				f.idEdit = func(c map[string]any, _ string) {
					if tc.acr != "" {
						c["acr"] = tc.acr
					}
					c["amr"] = []any{"pwd", "otp", "mfa"}
					c["auth_time"] = 1700000000
				}
			})
			tr, err := runFake(t, f, Options{Flow: FlowAuthorizationCode, ClientSecret: fakeSecret, ACRValues: tc.asked})
			if err != nil {
				t.Fatal(err)
			}
			notes := ""
			for _, s := range tr.Steps {
				notes += strings.Join(s.Notes, " ")
			}
			if !strings.Contains(notes, "amr [pwd otp mfa]") || !strings.Contains(notes, "auth_time 2023-11-14T22:13:20Z") {
				t.Errorf("notes lack the sign-in claims: %s", notes)
			}
			if tc.sev == "" {
				if got := severity(tr, RuleACR); len(got) != 0 {
					t.Fatalf("acr finding without acr_values: %v", got)
				}
				return
			}
			wantSeverity(t, tr, RuleACR, tc.sev)
		})
	}
}
