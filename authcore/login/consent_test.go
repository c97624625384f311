package login

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// consentPage signs alice in and opens the consent page for returnTo.
func (e *env) consentPage(c *http.Client, returnTo string) string {
	e.t.Helper()
	e.login(c, returnTo)
	rec := httptest.NewRecorder()
	e.m.RedirectToConsent(rec, httptest.NewRequest("GET", returnTo, nil), returnTo)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != consentURL(returnTo) {
		e.t.Fatalf("RedirectToConsent: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	resp, body := e.get(c, consentURL(returnTo))
	if resp.StatusCode != 200 {
		e.t.Fatalf("consent page: %d\n%s", resp.StatusCode, body)
	}
	return body
}

func TestConsentPage(t *testing.T) {
	e := newEnv(t)
	body := e.consentPage(e.browser(), testReturn)
	contains(t, body, "Acme Dashboard", "Alice Liddell (alice)",
		"<code>openid</code><span>Know who you are</span>",
		"<code>profile</code><span>See your name and username</span>",
		`name="decision" value="allow" class="primary">Allow</button>`,
		`name="decision" value="deny" class="secondary">Deny</button>`)
	if hiddenValue(t, body, "return_to") != testReturn {
		t.Fatal("return_to not carried")
	}
}

func TestConsentNeedsSession(t *testing.T) {
	e := newEnv(t)
	resp, _ := e.get(e.browser(), consentURL(testReturn))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loginURL(testReturn) {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestConsentAllowMergesAndReturns(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(t, e.store.SaveConsent(ctx, authcore.Consent{UserID: e.alice.ID, ClientID: "c1", Scopes: []string{"email"}}))
	c := e.browser()
	body := e.consentPage(c, testReturn)
	resp, _ := e.post(c, "/consent", url.Values{"csrf_token": {csrfFrom(t, body)},
		"return_to": {testReturn}, "decision": {"allow"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != testReturn {
		t.Fatalf("allow: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	got, err := e.store.GetConsent(ctx, e.alice.ID, "c1")
	must(t, err)
	slices.Sort(got.Scopes)
	if !slices.Equal(got.Scopes, []string{"email", "openid", "profile"}) {
		t.Fatalf("consent scopes %v", got.Scopes)
	}
	if ev := e.rec.Of(audit.ConsentGranted); len(ev) != 1 || ev[0].ClientID != "c1" || ev[0].Subject != e.alice.ID {
		t.Fatalf("events %s", e.rec.String())
	}
}

func TestConsentDenyCallsOnDeny(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	body := e.consentPage(c, testReturn)
	resp, _ := e.post(c, "/consent", url.Values{"csrf_token": {csrfFrom(t, body)},
		"return_to": {testReturn}, "decision": {"deny"}})
	if resp.StatusCode != http.StatusTeapot || len(e.denied) != 1 || <-e.denied != testReturn {
		t.Fatalf("deny: %d", resp.StatusCode)
	}
	if _, err := e.store.GetConsent(context.Background(), e.alice.ID, "c1"); err == nil {
		t.Fatal("deny saved a consent")
	}
	if len(e.rec.Of(audit.ConsentDenied)) != 1 {
		t.Fatalf("events %s", e.rec.String())
	}
}

func TestConsentRefusesBadRequests(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	body := e.consentPage(c, testReturn)
	csrf := csrfFrom(t, body)
	for name, rt := range map[string]string{
		"unknown client":    "/authorize?client_id=nope&scope=openid",
		"no client":         "/authorize?scope=openid",
		"scope not allowed": "/authorize?client_id=c1&scope=openid+admin",
		"malformed scope":   "/authorize?client_id=c1&scope=openid++profile",
	} {
		if resp, _ := e.get(c, consentURL(rt)); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d", name, resp.StatusCode)
		}
		resp, _ := e.post(c, "/consent", url.Values{"csrf_token": {csrf}, "return_to": {rt}, "decision": {"allow"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST %s: %d", name, resp.StatusCode)
		}
	}
	resp, _ := e.post(c, "/consent", url.Values{"csrf_token": {csrf}, "return_to": {testReturn}, "decision": {"maybe"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("decision=maybe: %d", resp.StatusCode)
	}
	if _, err := e.store.GetConsent(context.Background(), e.alice.ID, "c1"); err == nil {
		t.Fatal("a refused request saved a consent")
	}
}

func TestConsentWithoutScopes(t *testing.T) {
	e := newEnv(t)
	rt := "/authorize?client_id=c1&response_type=code"
	c := e.browser()
	body := e.consentPage(c, rt)
	contains(t, body, "It is asking only to know who you are.")
	e.post(c, "/consent", url.Values{"csrf_token": {csrfFrom(t, body)}, "return_to": {rt}, "decision": {"allow"}})
	got, err := e.store.GetConsent(context.Background(), e.alice.ID, "c1")
	if err != nil || !got.Covers(nil) {
		t.Fatalf("no consent record for an empty scope: %v", err)
	}
}

func TestRevokeConsent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(t, e.store.SaveConsent(ctx, authcore.Consent{UserID: e.alice.ID, ClientID: "c1", Scopes: []string{"openid"}}))
	must(t, e.m.RevokeConsent(ctx, e.alice.ID, "c1"))
	if _, err := e.store.GetConsent(ctx, e.alice.ID, "c1"); err == nil {
		t.Fatal("consent still stored")
	}
	if err := e.m.RevokeConsent(ctx, e.alice.ID, "c1"); err == nil {
		t.Fatal("revoking twice succeeded")
	}
}

// The consent page marks a client that registered itself (RFC 7591):
// its name was chosen by whoever registered it, not reviewed by an
// administrator (issue 16). A client an administrator registered has no
// such mark.
func TestConsentPageMarksSelfRegisteredClient(t *testing.T) {
	e := newEnv(t)
	const mark = "registered itself; not reviewed by an administrator"
	if body := e.consentPage(e.browser(), testReturn); strings.Contains(body, mark) {
		t.Fatal("an administrator's client is marked self-registered")
	}
	must(t, e.store.CreateClient(context.Background(), authcore.Client{ID: "dyn1", Name: "Friendly App",
		Type: authcore.Confidential, RedirectURIs: []string{"https://app.example/cb"},
		GrantTypes: []string{authcore.GrantAuthorizationCode}, Scopes: []string{"openid"},
		RegistrationTokenHash: make([]byte, 32)}))
	returnTo := "/authorize?client_id=dyn1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" +
		"&code_challenge_method=S256&response_type=code&scope=openid&state=xyz"
	contains(t, e.consentPage(e.browser(), returnTo), "Friendly App", mark)
	// The device verification page says it too.
	must(t, e.store.CreateDeviceCode(context.Background(), authcore.DeviceCode{Hash: "h-dyn1", UserCode: "GGGGHHHH",
		ClientID: "dyn1", Scopes: []string{"openid"}, Status: authcore.DevicePending,
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(10 * time.Minute)}))
	u := e.deviceUser(e.deviceSite(), "Alice", "192.0.2.1")
	resp, body := u.do("POST", "/device", url.Values{"csrf_token": {u.csrf}, "user_code": {"GGGG-HHHH"}, "decision": {""}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("device page: %d", resp.StatusCode)
	}
	contains(t, body, "Friendly App", mark)
}
