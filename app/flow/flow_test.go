package flow

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// browse plays the system browser: it follows the authorization
// endpoint's redirect to the loopback listener.
func browse(u string) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("browser landed on " + resp.Status)
	}
	return nil
}

// runFake runs a flow against f as the confidential test client.
func runFake(t *testing.T, f *fake, o Options) (*Trace, error) {
	t.Helper()
	o.Issuer = f.ts.URL
	if o.ClientID == "" {
		o.ClientID = fakeClient
	}
	if o.OpenBrowser == nil {
		o.OpenBrowser = browse
	}
	if o.Sleep == nil {
		o.Sleep = func(context.Context, time.Duration) error { return nil }
	}
	if o.Timeout == 0 {
		o.Timeout = 20 * time.Second
	}
	return Run(context.Background(), o)
}

// stepNames lists a trace's step names.
func stepNames(tr *Trace) []string {
	var out []string
	for _, s := range tr.Steps {
		out = append(out, s.Name)
	}
	return out
}

// failedChecks lists the checks that did not hold.
func failedChecks(tr *Trace) []string {
	var out []string
	for _, s := range tr.Steps {
		for _, c := range s.Checks {
			if !c.OK {
				out = append(out, s.Name+": "+c.Name+": "+c.Detail)
			}
		}
	}
	return out
}

// wantOneFailure fails unless rule was reported with sev and exactly one
// check failed, with detail in its text.
func wantOneFailure(t *testing.T, tr *Trace, rule, sev, detail string) {
	t.Helper()
	wantSeverity(t, tr, rule, sev)
	bad := failedChecks(tr)
	if len(bad) != 1 || !strings.Contains(bad[0], detail) {
		t.Fatalf("failed checks %q, want one with %q", bad, detail)
	}
}

// severity returns the severities reported for rule.
func severity(tr *Trace, rule string) []string {
	var out []string
	for _, f := range tr.Findings {
		if f.Rule == rule {
			out = append(out, f.Severity)
		}
	}
	return out
}

// wantSeverity fails unless rule was reported exactly with sev.
func wantSeverity(t *testing.T, tr *Trace, rule, sev string) {
	t.Helper()
	got := severity(tr, rule)
	if len(got) == 0 {
		t.Errorf("rule %s: no finding, want %s", rule, sev)
	}
	for _, g := range got {
		if g != sev {
			t.Errorf("rule %s: severity %s, want %s (%v)", rule, g, sev, tr.Findings)
		}
	}
}

// noBad fails on any warning or error finding.
func noBad(t *testing.T, tr *Trace) {
	t.Helper()
	for _, f := range tr.Findings {
		if f.Rule == "" || f.Message == "" || !strings.Contains(f.Spec, "§") {
			t.Errorf("incomplete finding: %+v", f)
		}
		if f.Severity == SeverityWarning || f.Severity == SeverityError {
			t.Errorf("unexpected finding: %+v", f)
		}
	}
}

// mustNotContain fails when the trace's JSON or curl export holds any of
// the raw secrets.
func mustNotContain(t *testing.T, tr *Trace, secrets ...string) {
	t.Helper()
	b, err := tr.JSON()
	if err != nil {
		t.Fatal(err)
	}
	curl := tr.Curl()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(string(b), s) || strings.Contains(curl, s) {
			t.Errorf("secret %s leaked into the trace", Mask(s))
		}
	}
}
