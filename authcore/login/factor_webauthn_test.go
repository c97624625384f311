package login

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/passkey/passkeytest"
)

var factorOptionsRE = regexp.MustCompile(`data-kind="webauthn" data-options="([^"]+)"`)

// passwordThenPasskey signs alice in on a new browser with her password
// and then answer's reply on the second-factor page; it returns the
// browser and the final response.
func (e *env) passwordThenPasskey(answer func([]byte) []byte) (*http.Client, *http.Response) {
	e.t.Helper()
	c := e.browser()
	_, body := e.get(c, loginURL(testReturn))
	resp, _ := e.post(c, "/login", url.Values{"csrf_token": {csrfFrom(e.t, body)}, "return_to": {testReturn},
		"username": {"alice"}, "password": {alicePassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != mfaURL(testReturn) {
		e.t.Fatalf("password step: %d %q, want the second-factor page", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := e.get(c, mfaURL(testReturn))
	m := factorOptionsRE.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("no passkey prompt on the second-factor page:\n%s", page)
	}
	if resp.Header.Get("Content-Security-Policy") == "" || !regexp.MustCompile(`script-src 'self'`).MatchString(resp.Header.Get("Content-Security-Policy")) {
		e.t.Errorf("second-factor page policy %q", resp.Header.Get("Content-Security-Policy"))
	}
	resp, _ = e.post(c, "/login/mfa", url.Values{"csrf_token": {csrfFrom(e.t, page)}, "return_to": {testReturn},
		"kind": {string(authcore.FactorWebAuthn)}, "response": {string(answer([]byte(html.UnescapeString(m[1]))))}})
	return c, resp
}

func TestPasskeyAsSecondFactor(t *testing.T) {
	e := newPasskeyEnv(t)
	c := e.browser()
	e.login(c, accountPath)
	a := passkeytest.New(t, pkRPID, pkIssuer)
	a.UV = false // a security key without a PIN is fine after a password
	if status, _ := e.addPasskey(c, a, "YubiKey"); status != http.StatusOK {
		t.Fatal("add passkey")
	}
	signedIn, resp := e.passwordThenPasskey(a.Get)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != testReturn {
		t.Fatalf("second factor: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	s, ok := e.sessionOf(signedIn)
	if !ok || s.ACR != authcore.ACRPhishingResistant {
		t.Fatalf("session %+v, want acr phishing-resistant", s)
	}
	for _, want := range []string{"pwd", "hwk", "mfa"} {
		if !slices.Contains(s.AMR, want) {
			t.Errorf("amr %v lacks %s", s.AMR, want)
		}
	}
	if slices.Contains(s.AMR, "user") {
		t.Errorf("amr %v claims user verification the key did not do", s.AMR)
	}
	if ev, ok := e.rec.Last(audit.PasskeyUsed); !ok || ev.Details["purpose"] != "second-factor" {
		t.Errorf("passkey.used: %+v", ev)
	}

	tests := []struct {
		name   string
		answer func([]byte) []byte
		event  audit.Type
	}{
		{"counter went backwards", func(o []byte) []byte { a.Count = 0; return a.Sign(o) }, audit.PasskeyCloneSuspected},
		{"another authenticator", func(o []byte) []byte {
			b := passkeytest.New(t, pkRPID, pkIssuer)
			b.User = []byte(e.alice.ID)
			return b.Get(o)
		}, audit.PasskeyFailed},
		{"wrong RP ID", func(o []byte) []byte { a.RPID = "evil.example"; defer func() { a.RPID = pkRPID }(); return a.Get(o) }, audit.PasskeyFailed},
		{"garbage", func([]byte) []byte { return []byte("{}") }, audit.PasskeyFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.rec.Reset()
			refused, resp := e.passwordThenPasskey(tc.answer)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %q, want the second-factor page again", resp.StatusCode, resp.Header.Get("Location"))
			}
			if _, ok := e.sessionOf(refused); ok {
				t.Fatal("signed in")
			}
			if _, ok := e.rec.Last(tc.event); !ok {
				t.Errorf("no %s event: %s", tc.event, e.rec)
			}
			if ev, ok := e.rec.Last(audit.MFAFailed); !ok || ev.Subject != e.alice.ID {
				t.Errorf("mfa.failed: %+v", ev)
			}
		})
	}
}
