package flow

import (
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs; got:\n%s", name, got)
	}
}

// sampleTrace is a small fixed trace: the wire format the console and
// the CLI's --json read.
func sampleTrace() *Trace {
	at := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	exp := at.Add(10 * time.Minute)
	return &Trace{Flow: FlowClientCredentials, Issuer: "https://as.example", ClientID: "svc",
		ClientAuth: AuthSecretBasic, Started: at, ElapsedMS: 12.5,
		DiscoveryURL: "https://as.example" + OIDCDiscoveryPath,
		Metadata:     map[string]any{"issuer": "https://as.example"},
		Steps: []*Step{{Name: "Token request (client_credentials)", Kind: KindHTTP, Started: at, ElapsedMS: 3.25,
			Request: &Request{Method: "POST", URL: "https://as.example/token",
				Header: http.Header{"Authorization": {"Basic c3ZjOnM…(28)"}, "Content-Type": {"application/x-www-form-urlencoded"}},
				Body:   "grant_type=client_credentials&scope=orders%3Aread"},
			Response: &Response{Status: 200, Header: http.Header{"Cache-Control": {"no-store"}},
				Body: `{"access_token":"eyJhbGci…(412)","token_type":"Bearer","expires_in":600}`},
			Checks: []Check{{Name: CheckStatus, OK: true, Detail: "HTTP 200"}},
			Tokens: []Token{{Name: "access_token", Value: "eyJhbGci…(412)", Format: "jwt",
				Header:    map[string]any{"alg": "ES256", "kid": "k1", "typ": "at+jwt"},
				Claims:    map[string]any{"aud": "https://api.example", "exp": float64(exp.Unix())},
				Times:     []TimeClaim{{Name: "exp", Unix: exp.Unix(), Time: exp, Relative: "in 10m0s"}},
				ExpiresAt: &exp, RemainingSeconds: 600, LifetimeSeconds: 600,
				Signature: &Signature{Verified: true, Alg: "ES256", KeyID: "k1", Detail: "verified"}}},
			Notes: []string{"granted scope: orders:read"}}},
		Findings: []Finding{{Rule: RuleNoStore, Severity: SeverityPass, Message: "Cache-Control: no-store",
			Spec: "OAuth 2.1 §3.2.3"}},
	}
}

func TestTraceGolden(t *testing.T) {
	tr := sampleTrace()
	b, err := tr.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "trace.json", append(b, '\n'))
	golden(t, "trace.curl", []byte(tr.Curl()))
}

// The findings of the RFC 9396 and pairwise-subject checks: their rules,
// severities, wording and sections, as the console and --json show them.
func TestDetailsAndSubjectFindingsGolden(t *testing.T) {
	tr := &Trace{Flow: FlowUserinfo, Issuer: "https://as.example", Steps: []*Step{
		{Name: "Token request (authorization_code)", Checks: []Check{
			{Name: CheckDetailsGranted, OK: false, Detail: `granted authorization_details [{"type":"payment_initiation"}] differ from the requested [{"amount":"12.50","type":"payment_initiation"}] (RFC 9396 §7)`},
			{Name: CheckDetailsInToken, OK: true, Detail: "the access token's authorization_details claim is the granted value (RFC 9396 §9.1)"},
			{Name: CheckSubjectType, OK: true, Detail: `sub "Xq3…" is pairwise: this client receives a pairwise sub for sector app.example; the same user has a different sub at clients of other sectors (OIDC Core §8.1)`},
			{Name: CheckSubjectAcross, OK: false, Detail: `access token sub "u1", ID token sub "Xq3…" (the client and the APIs it calls should see one sub; OIDC Core §8.1)`},
		}},
		{Name: "UserInfo", Checks: []Check{{Name: CheckSubjectMatches, OK: true, Detail: `sub "Xq3…", ID token sub "Xq3…" (OIDC Core §5.3.2)`}}},
	}}
	b, err := json.MarshalIndent(Lint(tr), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "findings_details_subject.json", append(b, '\n'))
}
