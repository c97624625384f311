package flow

import (
	"context"
	"strings"
	"testing"
)

const payment = `[{"type": "payment_initiation", "instructedAmount": {"currency": "EUR", "amount": "12.50"},
  "creditorName": "Merchant A"}]`

// authorization_details (RFC 9396) are sent with the authorization
// request and the client credentials grant; the token step notes what was
// granted, and a grant that differs from the request (a warning) or an
// access token that does not carry it (an error) is a finding.
func TestAuthorizationDetailsChecked(t *testing.T) {
	cases := []struct {
		name   string
		flow   string
		edit   func(resp, claim *any)
		rule   string
		sev    string
		detail string
	}{
		{"code flow, granted as requested", FlowAuthorizationCode, nil, "", "", ""},
		{"client credentials, granted as requested", FlowClientCredentials, nil, "", "", ""},
		{"granted less than requested", FlowAuthorizationCode, func(resp, claim *any) {
			*resp = []any{map[string]any{"type": "payment_initiation"}}
			*claim = *resp
		}, RuleDetailsGranted, SeverityWarning, "differ from the requested"},
		{"nothing granted", FlowClientCredentials, func(resp, claim *any) { *resp, *claim = nil, nil },
			RuleDetailsGranted, SeverityWarning, "carries none"},
		{"access token without the claim", FlowAuthorizationCode, func(resp, claim *any) { *claim = nil },
			RuleDetailsInToken, SeverityError, "no authorization_details claim"},
		{"access token with other details", FlowClientCredentials, func(resp, claim *any) {
			*claim = []any{map[string]any{"type": "account_information"}}
		}, RuleDetailsInToken, SeverityError, "differ from the token response's"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(f *fake) { f.detailsEdit = tc.edit })
			tr, err := runFake(t, f, Options{Flow: tc.flow, ClientSecret: fakeSecret, AuthorizationDetails: payment})
			if err != nil {
				t.Fatalf("%v\n%v", err, stepNames(tr))
			}
			if tc.flow == FlowAuthorizationCode && !sameDetails(f.lastAuth.details, payment) {
				t.Fatalf("authorize got authorization_details %q", f.lastAuth.details)
			}
			if tc.rule == "" {
				if bad := failedChecks(tr); len(bad) > 0 {
					t.Fatalf("failed checks: %v", bad)
				}
				wantSeverity(t, tr, RuleDetailsGranted, SeverityPass)
				wantSeverity(t, tr, RuleDetailsInToken, SeverityPass)
				last := tr.Steps[len(tr.Steps)-1]
				if !strings.Contains(strings.Join(last.Notes, "\n"), `granted authorization_details: [{"creditorName":"Merchant A"`) {
					t.Fatalf("notes %q", last.Notes)
				}
				noBad(t, tr)
				return
			}
			wantOneFailure(t, tr, tc.rule, tc.sev, tc.detail)
		})
	}
	// Without details asked for or granted, nothing is said about them.
	tr, err := runFake(t, newFake(t, nil), Options{Flow: FlowClientCredentials, ClientSecret: fakeSecret})
	if err != nil {
		t.Fatal(err)
	}
	if len(severity(tr, RuleDetailsGranted))+len(severity(tr, RuleDetailsInToken)) != 0 {
		t.Fatalf("findings %v", tr.Findings)
	}
}

// Malformed authorization_details are refused before any request.
func TestAuthorizationDetailsValidated(t *testing.T) {
	for _, raw := range []string{`{"type":"x"}`, `[{"amount":1}]`, `[`, `["x"]`, `[{"type":""}]`} {
		_, err := Run(context.Background(), Options{Issuer: "http://127.0.0.1:1", ClientID: "c",
			Flow: FlowClientCredentials, AuthorizationDetails: raw})
		if err == nil || !strings.Contains(err.Error(), "authorization_details") {
			t.Errorf("%s: err %v", raw, err)
		}
	}
}
