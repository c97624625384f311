package flow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestClientCredentials(t *testing.T) {
	f := newFake(t, nil)
	var streamed []string
	tr, err := runFake(t, f, Options{Flow: FlowClientCredentials, ClientSecret: fakeSecret, Scope: "profile",
		OnStep: func(s *Step) { streamed = append(streamed, s.Name) }})
	if err != nil {
		t.Fatal(err)
	}
	if bad := failedChecks(tr); len(bad) > 0 {
		t.Fatal(bad)
	}
	if strings.Join(streamed, "|") != strings.Join(stepNames(tr), "|") {
		t.Fatalf("OnStep saw %v, trace has %v", streamed, stepNames(tr))
	}
	if last := tr.Steps[len(tr.Steps)-1]; last.Request.Body != "grant_type=client_credentials&scope=profile" {
		t.Fatalf("body %q", last.Request.Body)
	}
	wantSeverity(t, tr, RuleAudience, SeverityPass)
	wantSeverity(t, tr, RuleTokenLifetime, SeverityPass)
	if len(severity(tr, RuleState)) != 0 || len(severity(tr, RuleNonce)) != 0 {
		t.Fatalf("code-flow rules reported for client credentials: %v", tr.Findings)
	}
	noBad(t, tr)
	mustNotContain(t, tr, fakeSecret, tr.RawTokens()["access_token"])
}

// TestLintTokenFindings: long-lived, audience-less tokens without
// Cache-Control: no-store.
func TestLintTokenFindings(t *testing.T) {
	for _, aud := range []any{"*", []string{}} {
		f := newFake(t, func(f *fake) { f.lifetime, f.noStore, f.audience = 2*time.Hour, true, aud })
		tr, err := runFake(t, f, Options{Flow: FlowClientCredentials, ClientSecret: fakeSecret})
		if err != nil {
			t.Fatal(err)
		}
		wantSeverity(t, tr, RuleTokenLifetime, SeverityWarning)
		wantSeverity(t, tr, RuleNoStore, SeverityError)
		wantSeverity(t, tr, RuleAudience, SeverityWarning)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	f := newFake(t, nil)
	tr, err := runFake(t, f, Options{Flow: FlowRefresh, ClientSecret: fakeSecret})
	if err != nil {
		t.Fatalf("%v %v", err, stepNames(tr))
	}
	names := stepNames(tr)
	want := []string{"Token request (authorization_code)", "Refresh", "Present the spent refresh token again",
		"Present the successor after reuse"}
	if got := strings.Join(names[len(names)-4:], "|"); got != strings.Join(want, "|") {
		t.Fatalf("steps %v", names)
	}
	if f.lastAuth.scope != "openid offline_access" {
		t.Fatalf("scope %q", f.lastAuth.scope)
	}
	if bad := failedChecks(tr); len(bad) > 0 {
		t.Fatal(bad)
	}
	reuse := tr.Steps[len(tr.Steps)-2]
	if reuse.Response.Status != 400 || !strings.Contains(strings.Join(reuse.Notes, " "), "reuse detection fired") {
		t.Fatalf("reuse step %+v", reuse)
	}
	wantSeverity(t, tr, RuleRotation, SeverityPass)
	wantSeverity(t, tr, RuleReuse, SeverityPass)
	wantSeverity(t, tr, RuleFamily, SeverityPass)
	raw := tr.RawTokens()
	mustNotContain(t, tr, raw["refresh_token"], raw["access_token"])
}

func TestRefreshWithoutRotation(t *testing.T) {
	f := newFake(t, func(f *fake) { f.noRotate = true })
	tr, err := runFake(t, f, Options{Flow: FlowRefresh}) // public client
	if err != nil {
		t.Fatal(err)
	}
	wantSeverity(t, tr, RuleRotation, SeverityError)
	if len(severity(tr, RuleReuse)) != 0 {
		t.Fatal("reuse reported without rotation")
	}
}

func TestRefreshReuseAccepted(t *testing.T) {
	f := newFake(t, func(f *fake) { f.noReuse = true })
	tr, err := runFake(t, f, Options{Flow: FlowRefresh, ClientSecret: fakeSecret})
	if err != nil {
		t.Fatal(err)
	}
	wantSeverity(t, tr, RuleReuse, SeverityError)
	wantSeverity(t, tr, RuleFamily, SeverityWarning)
}

func TestRefreshFromGivenToken(t *testing.T) {
	f := newFake(t, nil)
	first, err := runFake(t, f, Options{Flow: FlowAuthorizationCode, Scope: "openid offline_access"})
	if err != nil {
		t.Fatal(err)
	}
	rt := first.RawTokens()["refresh_token"]
	tr, err := runFake(t, f, Options{Flow: FlowRefresh, RefreshToken: rt})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Steps) != 5 || tr.Steps[2].Name != "Refresh" {
		t.Fatalf("steps %v", stepNames(tr))
	}
	mustNotContain(t, tr, rt)
}

func TestDevicePollingHonoursSlowDown(t *testing.T) {
	f := newFake(t, func(f *fake) { f.devicePolls = []string{"authorization_pending", "slow_down", "authorization_pending"} })
	var waits []time.Duration
	var dc DeviceCode
	tr, err := runFake(t, f, Options{Flow: FlowDevice, OpenBrowser: func(string) error { return nil },
		OnDeviceCode: func(d DeviceCode) { dc = d },
		Sleep:        func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if dc.UserCode != "WDJB-MJHT" || dc.Interval != 1 {
		t.Fatalf("device code %+v", dc)
	}
	want := []time.Duration{time.Second, time.Second, 6 * time.Second, 6 * time.Second}
	if len(waits) != 4 || waits[2] != want[2] || waits[3] != want[3] || waits[1] != want[1] {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	if bad := failedChecks(tr); len(bad) > 0 {
		t.Fatal(bad)
	}
	if last := tr.Steps[len(tr.Steps)-1]; last.Name != "Poll the token endpoint #4" || len(last.Tokens) != 2 {
		t.Fatalf("last step %+v", last)
	}
}

func TestDeviceDeniedAndExpiry(t *testing.T) {
	f := newFake(t, func(f *fake) { f.devicePolls = []string{"authorization_pending", "access_denied"} })
	_, err := runFake(t, f, Options{Flow: FlowDevice})
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != "access_denied" {
		t.Fatalf("err %v", err)
	}
	pending := make([]string, 700)
	for i := range pending {
		pending[i] = "authorization_pending"
	}
	f = newFake(t, func(f *fake) { f.devicePolls = pending })
	tr, err := runFake(t, f, Options{Flow: FlowDevice})
	if err == nil || !strings.Contains(err.Error(), "expired") || len(tr.Steps) != 2+1+600 {
		t.Fatalf("err %v after %d steps", err, len(tr.Steps))
	}
}

func TestTokenExchange(t *testing.T) {
	f := newFake(t, nil)
	tr, err := runFake(t, f, Options{Flow: FlowTokenExchange, ClientSecret: fakeSecret, Audience: "https://api.other"})
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Steps[len(tr.Steps)-1]
	if last.Name != "Token exchange" || !strings.Contains(last.Request.Body, "audience=https%3A%2F%2Fapi.other") ||
		!strings.Contains(last.Request.Body, "subject_token=eyJ") {
		t.Fatalf("exchange step %+v", last.Request)
	}
	if bad := failedChecks(tr); len(bad) > 0 {
		t.Fatal(bad)
	}
	if aud := audience(last.Tokens[0].Claims); len(aud) != 1 || aud[0] != "https://api.other" {
		t.Fatalf("aud %v", aud)
	}
}

func TestIntrospectRevokeUserinfoAPI(t *testing.T) {
	f := newFake(t, nil)
	cases := []struct {
		flow string
		last string
	}{
		{FlowIntrospect, "Introspection"},
		{FlowRevoke, "Introspect the revoked token"},
		{FlowUserinfo, "UserInfo"},
		{FlowCallAPI, "Call the API"},
	}
	for _, c := range cases {
		t.Run(c.flow, func(t *testing.T) {
			tr, err := runFake(t, f, Options{Flow: c.flow, ClientSecret: fakeSecret})
			if err != nil {
				t.Fatalf("%v %v", err, stepNames(tr))
			}
			if got := tr.Steps[len(tr.Steps)-1].Name; got != c.last {
				t.Fatalf("last step %q: %v", got, stepNames(tr))
			}
			if bad := failedChecks(tr); len(bad) > 0 {
				t.Fatal(bad)
			}
		})
	}
	// A revoked token given as input: the API refuses it, with the reason.
	tr, _ := runFake(t, f, Options{Flow: FlowClientCredentials, ClientSecret: fakeSecret})
	tok := tr.RawTokens()["access_token"]
	if _, err := runFake(t, f, Options{Flow: FlowRevoke, ClientSecret: fakeSecret, Token: tok}); err != nil {
		t.Fatal(err)
	}
	tr, err := runFake(t, f, Options{Flow: FlowCallAPI, Token: tok})
	if err == nil || len(tr.Steps) != 3 || !strings.Contains(tr.Steps[2].Checks[0].Detail, `error="invalid_token"`) {
		t.Fatalf("err %v, %+v", err, tr.Steps)
	}
	mustNotContain(t, tr, tok)
}
