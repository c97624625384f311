package flow

import (
	"strings"
	"testing"
)

// The ID token's sub is explained (pairwise for the client's sector, or
// public) from what the administrator knows of the client, or from the
// issuer's subject_types_supported and the sub's shape; an access token
// naming another sub is a warning, a userinfo answer an error.
func TestSubjectExplained(t *testing.T) {
	cases := []struct {
		name     string
		flow     string
		knobs    func(*fake)
		subject  *SubjectInfo
		explains string // in the sub-type finding; "" for none
		bad      string // in the one failed check; "" for none
		sev      string // of the failed check's finding
	}{
		{"known pairwise client", FlowAuthorizationCode, nil, &SubjectInfo{Type: SubjectPairwise, Sector: "app.example"},
			`this client receives a pairwise sub for sector app.example; the same user has a different sub at clients of other sectors`, "", ""},
		{"known public client", FlowAuthorizationCode, nil, &SubjectInfo{Type: SubjectPublic},
			`is public: the user's id at the issuer`, "", ""},
		{"issuer supports pairwise, sub not a user id", FlowUserinfo, func(f *fake) { f.pairwise = true }, nil,
			`most likely receives a pairwise sub`, "", ""},
		{"issuer without pairwise", FlowAuthorizationCode, nil, nil, "", "", ""},
		{"access token names another sub", FlowAuthorizationCode, func(f *fake) { f.atSub = "someone-else" },
			&SubjectInfo{Type: SubjectPairwise, Sector: "app.example"}, "pairwise", `access token sub "someone-else", ID token sub "user-42"`, SeverityWarning},
		{"userinfo names another sub", FlowUserinfo, func(f *fake) { f.userinfoSub = "someone-else" },
			&SubjectInfo{Type: SubjectPairwise, Sector: "app.example"}, "pairwise", `sub "someone-else", ID token sub "user-42"`, SeverityError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := runFake(t, newFake(t, tc.knobs), Options{Flow: tc.flow, ClientSecret: fakeSecret, Subject: tc.subject})
			if err != nil {
				t.Fatalf("%v\n%v", err, stepNames(tr))
			}
			var explained []string
			for _, f := range tr.Findings {
				if f.Rule == RuleSubjectType {
					explained = append(explained, f.Message)
				}
			}
			switch {
			case tc.explains == "" && len(explained) != 0:
				t.Fatalf("explained %q", explained)
			case tc.explains != "" && (len(explained) != 1 || !strings.Contains(explained[0], tc.explains)):
				t.Fatalf("explained %q, want %q", explained, tc.explains)
			}
			bad := failedChecks(tr)
			if tc.bad == "" {
				if len(bad) > 0 {
					t.Fatalf("failed checks %q", bad)
				}
				wantSeverity(t, tr, RuleSubject, SeverityPass)
				return
			}
			if got := severity(tr, RuleSubject); !contains(got, tc.sev) || contains(got, SeverityError) && tc.sev != SeverityError {
				t.Fatalf("sub findings %v, want %s", got, tc.sev)
			}
			if len(bad) != 1 || !strings.Contains(bad[0], tc.bad) {
				t.Fatalf("failed checks %q, want one with %q", bad, tc.bad)
			}
		})
	}
}
