package flow

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAuthorizationCodeAgainstFake(t *testing.T) {
	f := newFake(t, nil)
	var shown string
	tr, err := runFake(t, f, Options{Flow: FlowAuthorizationCode, ClientSecret: fakeSecret,
		OnAuthURL: func(u string) { shown = u }})
	if err != nil {
		t.Fatalf("%v\n%v", err, stepNames(tr))
	}
	want := []string{"Discovery " + OIDCDiscoveryPath, "JWKS", "Authorization request (browser)",
		"Authorization response (loopback redirect)", "Token request (authorization_code)"}
	if got := stepNames(tr); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("steps %q", got)
	}
	if bad := failedChecks(tr); len(bad) > 0 {
		t.Fatalf("failed checks: %v", bad)
	}
	if !strings.Contains(shown, "code_challenge_method=S256") || !strings.Contains(shown, "nonce=") ||
		!strings.Contains(shown, "redirect_uri=http%3A%2F%2F127.0.0.1%3A") {
		t.Fatalf("auth URL %s", shown)
	}
	if f.lastAuth.method != "S256" || f.lastAuth.scope != "openid" || f.lastAuth.nonce == "" {
		t.Fatalf("fake saw %+v", f.lastAuth)
	}
	for _, rule := range []string{RulePKCE, RuleState, RuleIss, RuleNonce, RuleIssAdvertised,
		RulePKCEAdvertised, RuleNoStore, RuleSignature, RuleAudience, RuleTokenLifetime} {
		wantSeverity(t, tr, rule, SeverityPass)
	}
	noBad(t, tr)
	if len(tr.Tokens) != 2 || tr.Tokens[0].Name != "access_token" || tr.Tokens[1].Name != "id_token" {
		t.Fatalf("tokens %v", tr.Tokens)
	}
	at := tr.Tokens[0]
	if at.Format != "jwt" || !at.Signature.Verified || at.Header["typ"] != "at+jwt" ||
		at.RemainingSeconds < 590 || at.ExpiresAt == nil || len(at.Times) != 2 {
		t.Fatalf("access token %+v", at)
	}
	raw := tr.RawTokens()
	mustNotContain(t, tr, fakeSecret, raw["access_token"], raw["id_token"])
	if !strings.HasPrefix(at.Value, raw["access_token"][:8]) || !strings.Contains(at.Value, "…(") {
		t.Fatalf("masked value %q", at.Value)
	}
	// The code and the verifier are masked in the redirect and token steps.
	tok := tr.Steps[4].Request
	if !strings.Contains(tok.Header.Get("Authorization"), "Basic ") || strings.Contains(tok.Body, "code_verifier=") &&
		!strings.Contains(tok.Body, "…(43)") {
		t.Fatalf("token request %+v", tok)
	}
}

func TestAuthorizationCodeRevealed(t *testing.T) {
	f := newFake(t, nil)
	tr, err := runFake(t, f, Options{Flow: FlowAuthorizationCode, ClientSecret: fakeSecret,
		AuthMethod: AuthSecretPost, RevealSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	body := tr.Steps[4].Request.Body
	if !strings.Contains(body, "client_secret="+fakeSecret) || !strings.Contains(body, "code_verifier=") {
		t.Fatalf("revealed body %q", body)
	}
	if tr.Tokens[0].Value != tr.RawTokens()["access_token"] {
		t.Fatal("revealed token value differs from the raw token")
	}
}

// TestNoIssAndPlainPKCE is the issuer the lint exists for: no iss in the
// response, plain PKCE accepted and advertised.
func TestNoIssAndPlainPKCE(t *testing.T) {
	f := newFake(t, func(f *fake) { f.noIss, f.plain = true, true })
	tr, err := runFake(t, f, Options{Flow: FlowAuthorizationCode, ClientSecret: fakeSecret})
	if err != nil {
		t.Fatal(err)
	}
	wantSeverity(t, tr, RuleIss, SeverityWarning)
	wantSeverity(t, tr, RuleIssAdvertised, SeverityWarning)
	wantSeverity(t, tr, RulePKCEPlain, SeverityWarning)
	wantSeverity(t, tr, RulePKCE, SeverityPass) // the tester itself still sent S256
	for _, fd := range tr.Findings {
		if fd.Rule == RulePKCEPlain && !strings.Contains(fd.Spec, "RFC 9700 §2.1.1") {
			t.Fatalf("spec %q", fd.Spec)
		}
	}
}

func TestStateMismatchStopsTheFlow(t *testing.T) {
	f := newFake(t, func(f *fake) { f.wrongState = true })
	tr, err := runFake(t, f, Options{Flow: FlowAuthorizationCode, ClientSecret: fakeSecret})
	if err == nil || !strings.Contains(err.Error(), "state mismatch") {
		t.Fatalf("err %v", err)
	}
	if n := len(tr.Steps); n != 4 {
		t.Fatalf("the code was redeemed anyway: %v", stepNames(tr))
	}
	wantSeverity(t, tr, RuleState, SeverityError)
	if tr.Error == "" {
		t.Fatal("trace has no error")
	}
}

func TestRogueSignatureAndPublicClient(t *testing.T) {
	f := newFake(t, func(f *fake) { f.rogueKey = true })
	tr, err := runFake(t, f, Options{Flow: FlowAuthorizationCode})
	if err != nil {
		t.Fatal(err)
	}
	if tr.ClientAuth != AuthNone || tr.Steps[4].Request.Header.Get("Authorization") != "" ||
		!strings.Contains(tr.Steps[4].Request.Body, "client_id="+fakeClient) {
		t.Fatalf("public client auth: %s %+v", tr.ClientAuth, tr.Steps[4].Request)
	}
	wantSeverity(t, tr, RuleSignature, SeverityError)
}

func TestAuthorizationErrorResponse(t *testing.T) {
	f := newFake(t, nil)
	tr, err := runFake(t, f, Options{Flow: FlowAuthorizationCode, ClientID: "unknown", Timeout: 300 * time.Millisecond})
	// The fake answers 400 to the browser, which never reaches the
	// listener: the run ends at its timeout.
	if err == nil || !strings.Contains(err.Error(), "in time") {
		t.Fatalf("err %v", err)
	}
	if n := tr.Steps[2].Notes; !strings.Contains(strings.Join(n, " "), "could not open the browser") {
		t.Fatalf("notes %v", n)
	}
	var pe *ProtocolError
	if errors.As(err, &pe) {
		t.Fatalf("unexpected protocol error %v", pe)
	}
}

// The authorization request step is published while the flow waits for
// the user, so the console shows it live before the redirect arrives.
func TestAuthorizationStepPublishedBeforeRedirect(t *testing.T) {
	f := newFake(t, nil)
	var mu sync.Mutex
	var seen []string
	browsed := make(chan error, 1)
	tr, err := runFake(t, f, Options{Flow: FlowAuthorizationCode, ClientSecret: fakeSecret, Timeout: 5 * time.Second,
		OpenBrowser: func(string) error { return nil },
		OnStep: func(s *Step) {
			mu.Lock()
			seen = append(seen, s.Name)
			mu.Unlock()
		},
		OnAuthURL: func(u string) {
			go func() {
				for i := 0; i < 200; i++ {
					mu.Lock()
					ok := len(seen) > 0 && seen[len(seen)-1] == "Authorization request (browser)"
					mu.Unlock()
					if ok {
						browsed <- browse(u)
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
				browsed <- errors.New("the authorization step was not published while waiting")
			}()
		}})
	if err != nil {
		t.Fatalf("%v %v", err, <-browsed)
	}
	if err := <-browsed; err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(tr.Steps) {
		t.Fatalf("published %v of %v", seen, stepNames(tr))
	}
}
