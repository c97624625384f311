package flow

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// noRealProblems fails on warnings and errors; plain http on loopback is
// an info finding.
func noRealProblems(t *testing.T, tr *Trace) {
	t.Helper()
	if bad := failedChecks(tr); len(bad) > 0 {
		t.Errorf("failed checks: %v", bad)
	}
	noBad(t, tr)
}

func TestLatchkeyCodeFlow(t *testing.T) {
	lk := newLatchkey(t)
	for _, c := range []struct {
		name, id, secret, auth string
	}{{"public", lk.native.ID, "", AuthNone}, {"confidential", lk.web.ID, lk.webKey, AuthSecretBasic}} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := lk.run(Options{Flow: FlowAuthorizationCode, ClientID: c.id, ClientSecret: c.secret,
				Scope: "openid profile"})
			if err != nil {
				t.Fatalf("%v\n%v", err, failedChecks(tr))
			}
			if tr.ClientAuth != c.auth {
				t.Fatalf("client auth %s", tr.ClientAuth)
			}
			noRealProblems(t, tr)
			for _, rule := range []string{RulePKCE, RuleState, RuleIss, RuleNonce, RuleIssAdvertised, RuleNoStore,
				RuleSignature, RuleAudience, RuleTokenLifetime, RuleImplicit, RulePassword, RuleAtHash, RuleAzp} {
				wantSeverity(t, tr, rule, SeverityPass)
			}
			wantSeverity(t, tr, RuleTransport, SeverityInfo)
			var at, id *Token
			for i := range tr.Tokens {
				switch tr.Tokens[i].Name {
				case "access_token":
					at = &tr.Tokens[i]
				case "id_token":
					id = &tr.Tokens[i]
				}
			}
			if at == nil || id == nil || at.Header["typ"] != "at+jwt" || !at.Signature.Verified || !id.Signature.Verified {
				t.Fatalf("tokens %+v", tr.Tokens)
			}
			mustNotContain(t, tr, c.secret, tr.RawTokens()["access_token"], tr.RawTokens()["id_token"])
		})
	}
	if lk.logins != 2 {
		t.Fatalf("%d logins", lk.logins)
	}
}

func TestLatchkeyRefreshRotation(t *testing.T) {
	lk := newLatchkey(t)
	tr, err := lk.run(Options{Flow: FlowRefresh, ClientID: lk.native.ID})
	if err != nil {
		t.Fatalf("%v\n%v", err, stepNames(tr))
	}
	noRealProblems(t, tr)
	wantSeverity(t, tr, RuleRotation, SeverityPass)
	wantSeverity(t, tr, RuleReuse, SeverityPass)
	wantSeverity(t, tr, RuleFamily, SeverityPass)
	n := len(tr.Steps)
	if reuse, succ := tr.Steps[n-2], tr.Steps[n-1]; reuse.Response.Status != 400 || succ.Response.Status != 400 ||
		!strings.Contains(reuse.Response.Body, "invalid_grant") {
		t.Fatalf("reuse %d %s, successor %d", reuse.Response.Status, reuse.Response.Body, succ.Response.Status)
	}
	mustNotContain(t, tr, tr.RawTokens()["refresh_token"])
}

func TestLatchkeyServiceFlows(t *testing.T) {
	lk := newLatchkey(t)
	svc := Options{ClientID: lk.svc.ID, ClientSecret: lk.svcKey}
	for _, c := range []struct {
		flow, scope, last string
	}{
		{FlowClientCredentials, "orders:read", "Token request (client_credentials)"},
		{FlowIntrospect, "", "Introspection"},
		{FlowRevoke, "", "Introspect the revoked token"},
		{FlowCallAPI, "profile", "Call the API"},
	} {
		t.Run(c.flow, func(t *testing.T) {
			o := svc
			o.Flow, o.Scope = c.flow, c.scope
			tr, err := lk.run(o)
			if err != nil {
				t.Fatalf("%v\n%v", err, failedChecks(tr))
			}
			if got := tr.Steps[len(tr.Steps)-1].Name; got != c.last {
				t.Fatalf("last step %q in %v", got, stepNames(tr))
			}
			noRealProblems(t, tr)
			mustNotContain(t, tr, lk.svcKey, tr.RawTokens()["access_token"])
		})
	}
	// The demo API refuses a token without the profile scope, and says why.
	o := svc
	o.Flow, o.Scope = FlowCallAPI, "orders:read"
	tr, err := lk.run(o)
	last := tr.Steps[len(tr.Steps)-1]
	if err == nil || last.Response.Status != 403 || !strings.Contains(last.Checks[0].Detail, "insufficient_scope") {
		t.Fatalf("err %v, %+v", err, last.Checks)
	}
}

func TestLatchkeyUserinfo(t *testing.T) {
	lk := newLatchkey(t)
	tr, err := lk.run(Options{Flow: FlowUserinfo, ClientID: lk.native.ID, Scope: "openid profile"})
	if err != nil {
		t.Fatalf("%v\n%v", err, failedChecks(tr))
	}
	noRealProblems(t, tr)
	last := tr.Steps[len(tr.Steps)-1]
	if last.Name != "UserInfo" || !strings.Contains(last.Response.Body, `"preferred_username":"alice"`) {
		t.Fatalf("%+v", last.Response)
	}
}

func TestLatchkeyTokenExchange(t *testing.T) {
	lk := newLatchkey(t)
	ex, secret, err := lk.srv.OAuth.CreateClient(context.Background(), oauth.ClientSpec{Name: "exchanger",
		GrantTypes: []string{authcore.GrantClientCredentials, authcore.GrantTokenExchange},
		Scopes:     []string{"orders:read"}, Audience: []string{"https://orders.example"}})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := lk.run(Options{Flow: FlowTokenExchange, ClientID: ex.ID, ClientSecret: secret,
		Scope: "orders:read", Audience: "https://orders.example"})
	if err != nil {
		t.Fatalf("%v\n%v", err, failedChecks(tr))
	}
	noRealProblems(t, tr)
	last := tr.Steps[len(tr.Steps)-1]
	if last.Name != "Token exchange" || len(last.Tokens) != 1 {
		t.Fatalf("%v", stepNames(tr))
	}
	if aud := audience(last.Tokens[0].Claims); len(aud) != 1 || aud[0] != "https://orders.example" {
		t.Fatalf("aud %v", aud)
	}
	mustNotContain(t, tr, secret, tr.RawTokens()["access_token"])
}

// TestLatchkeyNoBrowser is the CLI's --no-browser path: no OpenBrowser,
// the URL handed to OnAuthURL, and someone (here a goroutine) signs in
// while Run waits on the loopback listener.
func TestLatchkeyNoBrowser(t *testing.T) {
	lk := newLatchkey(t)
	done := make(chan error, 1)
	tr, err := Run(context.Background(), Options{Issuer: lk.issuer, ClientID: lk.native.ID, Flow: FlowAuthorizationCode,
		RedirectURI: "http://127.0.0.1/callback", Timeout: 30 * time.Second,
		OnAuthURL: func(u string) { go func() { done <- lk.browse(u) }() }})
	if err != nil {
		t.Fatalf("%v\n%v", err, failedChecks(tr))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(tr.Steps[2].Notes, " "); !strings.Contains(notes, "by hand") {
		t.Fatalf("notes %q", notes)
	}
	noRealProblems(t, tr)
}
