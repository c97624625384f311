package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/flow"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// A pairwise client asking for RFC 9396 authorization_details, from
// `latchkey flow run --admin --authorization-details @FILE` and from the
// console: the trace explains the sub as pairwise for the client's sector
// (the CLI reads the registration through the running server), the
// granted details equal the request, and the ID token, access token and
// userinfo name one sub.
func TestFlowRunPairwiseAndDetails(t *testing.T) {
	ctx := context.Background()
	in, data := serveWithAlice(t)
	if _, err := in.srv.OAuth.CreateAuthorizationDetailType(ctx, authcore.AuthorizationDetailType{Type: "payment_initiation",
		Schema: `{"type":"object","required":["amount"]}`, ConsentTemplate: "Pay {{amount}}"}); err != nil {
		t.Fatal(err)
	}
	c, secret, err := in.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "pairwise shop", Type: authcore.Confidential,
		RedirectURIs: []string{"http://127.0.0.1/callback"}, Scopes: []string{"openid", "profile"},
		SubjectType: authcore.SubjectPairwise, AuthorizationDetailsTypes: []string{"payment_initiation"}})
	if err != nil {
		t.Fatal(err)
	}
	details := `[{"type":"payment_initiation","amount":"9.99"}]`
	file := filepath.Join(t.TempDir(), "details.json")
	if err := os.WriteFile(file, []byte(details), 0o600); err != nil {
		t.Fatal(err)
	}

	out := runActing(t, signInAt("alice", "wonderland-42-rabbit"), secret+"\n",
		"flow", "run", "--issuer", in.issuer, "--client", c.ID, "--secret-stdin", "--flow", "userinfo",
		"--admin", "--data", data, "--authorization-details", "@"+file, "--no-browser", "--timeout", "30s", "--json")
	var tr flow.Trace
	if err := json.Unmarshal(out, &tr); err != nil {
		t.Fatal(err)
	}
	wantFindings(t, "cli", tr.Findings, map[string]string{
		flow.RuleSubjectType:    "this client receives a pairwise sub for sector 127.0.0.1",
		flow.RuleSubject:        "",
		flow.RuleDetailsGranted: "",
		flow.RuleDetailsInToken: "",
	})

	// The text trace shows the granted details (a note) and the checks.
	svc, svcSecret, err := in.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "payments service", Type: authcore.Confidential,
		GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"profile"}, AuthorizationDetailsTypes: []string{"payment_initiation"}})
	if err != nil {
		t.Fatal(err)
	}
	code, text, errOut := runCLI(t, svcSecret+"\n", "flow", "run", "--issuer", in.issuer, "--client", svc.ID, "--secret-stdin",
		"--flow", "client_credentials", "--authorization-details", details)
	if code != 0 || !strings.Contains(text, `- granted authorization_details: [{"amount":"9.99","type":"payment_initiation"}]`) ||
		!strings.Contains(text, "[ok  ] authorization_details_granted granted authorization_details are the requested ones") {
		t.Fatalf("exit %d %s\n%s", code, errOut, text)
	}

	// The console knows the client without being told.
	id, err := in.app.StartFlow(app.FlowInput{ClientID: c.ID, ClientSecret: secret, Flow: "authorization_code",
		AuthorizationDetails: details})
	if err != nil {
		t.Fatal(err)
	}
	var run app.FlowRun
	for deadline := time.Now().Add(20 * time.Second); !run.Done && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		run, _ = in.app.FlowStatus(id)
		if run.AuthURL != "" && !run.Done && len(run.Steps) > 0 && run.Steps[len(run.Steps)-1].Kind == flow.KindBrowser {
			if err := browseSignIn(run.AuthURL, "alice", "wonderland-42-rabbit"); err != nil {
				t.Fatal(err)
			}
			for !run.Done && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
				run, _ = in.app.FlowStatus(id)
			}
		}
	}
	if !run.Done || run.Error != "" {
		t.Fatalf("console run: %+v", run)
	}
	wantFindings(t, "console", run.Trace.Findings, map[string]string{
		flow.RuleSubjectType:    "this client receives a pairwise sub for sector 127.0.0.1",
		flow.RuleSubject:        "",
		flow.RuleDetailsGranted: "",
		flow.RuleDetailsInToken: "",
	})
}

// serveWithAlice starts a server on a temporary data directory (stopped
// at the end of the test) with the user alice, and returns it and the
// directory.
func serveWithAlice(t *testing.T) (*instance, string) {
	t.Helper()
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.stop() })
	if _, err := in.srv.Login.CreateUser(context.Background(), login.UserSpec{Username: "alice", Password: "wonderland-42-rabbit"}); err != nil {
		t.Fatal(err)
	}
	return in, f.common.data
}

// wantFindings fails unless every rule in want has findings, none of them
// a warning or an error, one holding the text want names.
func wantFindings(t *testing.T, who string, fs []flow.Finding, want map[string]string) {
	t.Helper()
	for rule, text := range want {
		found := false
		for _, f := range fs {
			if f.Rule != rule {
				continue
			}
			if f.Severity == flow.SeverityWarning || f.Severity == flow.SeverityError {
				t.Errorf("%s: %+v", who, f)
			}
			found = found || strings.Contains(f.Message, text)
		}
		if !found {
			t.Errorf("%s: no %s finding with %q in %+v", who, rule, text, fs)
		}
	}
}
