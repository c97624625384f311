package flow

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

var (
	cibaRequestRE = regexp.MustCompile(`name="request" value="([0-9a-f]{64})"`)
	cibaCSRFRE    = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	authReqIDRE   = regexp.MustCompile(`auth_req_id(?:\\":\\"|=)([^"&\\]+)`)
)

// The CIBA poll flow against the real server: /bc-authorize names alice,
// the run tells where she approves, the poll without a decision is
// authorization_pending, the one sooner than the interval slow_down (the
// next wait is 5 s longer), and after alice approves on /account the
// tokens come with an ID token whose sub is explained. A denial ends the
// run with access_denied; no login hint is refused up front.
func TestLatchkeyCIBAPollFlow(t *testing.T) {
	lk := newLatchkey(t)
	c, key, err := lk.srv.OAuth.CreateClient(context.Background(), oauth.ClientSpec{Name: "Teller", Type: authcore.Confidential,
		GrantTypes: []string{authcore.GrantCIBA}, Scopes: []string{"openid", "profile"}, BackchannelTokenDeliveryMode: "poll"})
	if err != nil {
		t.Fatal(err)
	}
	for _, decision := range []string{"approve", "deny"} {
		var waits []time.Duration
		var shown string
		o := Options{Issuer: lk.issuer, ClientID: c.ID, ClientSecret: key, Flow: FlowCIBA, LoginHint: aliceName,
			BindingMessage: "Teller 42", Scope: "profile", Timeout: 30 * time.Second,
			OnAuthURL: func(u string) { shown = u },
			Sleep: func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				if len(waits) == 3 {
					lk.decideCIBA(t, decision)
				}
				return nil
			}}
		tr, err := Run(context.Background(), o)
		if decision == "deny" {
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != "access_denied" {
				t.Fatalf("deny: err %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v\n%v", err, stepNames(tr))
		}
		if shown != lk.issuer+AccountPath {
			t.Fatalf("shown %q", shown)
		}
		if len(waits) != 3 || waits[0] != 5*time.Second || waits[1] != 5*time.Second || waits[2] != 10*time.Second {
			t.Fatalf("waits %v: want 5s, 5s, then 10s after slow_down", waits)
		}
		notes := ""
		for _, s := range tr.Steps {
			notes += strings.Join(s.Notes, "\n") + "\n"
		}
		for _, want := range []string{"authorization_pending", "slow_down: polling every 10s from now on (CIBA Core §11)",
			`binding message "Teller 42"`, "alice must approve"} {
			if !strings.Contains(notes, want) {
				t.Errorf("notes lack %q:\n%s", want, notes)
			}
		}
		if bad := failedChecks(tr); len(bad) > 0 {
			t.Fatalf("failed checks %v", bad)
		}
		if id := tr.RawTokens()["id_token"]; id == "" || tr.RawTokens()["access_token"] == "" {
			t.Fatalf("tokens %v", tr.Tokens)
		}
		wantSeverity(t, tr, RuleSubject, SeverityPass)
		// The auth_req_id redeems the tokens: masked in the answer and in
		// every poll.
		b, _ := tr.JSON()
		if m := authReqIDRE.FindAllStringSubmatch(string(b), -1); len(m) < 4 {
			t.Fatalf("auth_req_id appears %d times", len(m))
		} else {
			for _, v := range m {
				if !strings.Contains(v[1], "…(") {
					t.Fatalf("auth_req_id in clear: %s", v[0])
				}
			}
		}
	}
	if _, err := Run(context.Background(), Options{Issuer: lk.issuer, ClientID: c.ID, Flow: FlowCIBA}); err == nil ||
		!strings.Contains(err.Error(), "login hint") {
		t.Fatalf("no login hint: %v", err)
	}
}

// decideCIBA signs alice in at the account page and approves or denies
// the one pending backchannel request there.
func (lk *latchkey) decideCIBA(t *testing.T, decision string) {
	t.Helper()
	b := testsupport.NewBrowser(t)
	resp, _ := b.Get(lk.issuer + AccountPath)
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || loc == nil {
		t.Fatalf("account page without session: %d", resp.StatusCode)
	}
	_, page := b.Get(lk.issuer + loc.RequestURI())
	form := testsupport.Hidden(t, page)
	form.Set("username", aliceName)
	form.Set("password", alicePassword)
	b.PostForm(lk.issuer+"/login", form)
	_, page = b.Get(lk.issuer + AccountPath)
	ids, csrf := cibaRequestRE.FindAllStringSubmatch(page, -1), cibaCSRFRE.FindStringSubmatch(page)
	if len(ids) != 1 || csrf == nil {
		t.Fatalf("account page lists %d requests", len(ids))
	}
	resp, _ = b.PostForm(lk.issuer+AccountPath+"/backchannel", url.Values{"csrf_token": {csrf[1]}, "request": {ids[0][1]}, "decision": {decision}})
	if resp.StatusCode >= 400 {
		t.Fatalf("decide: %d", resp.StatusCode)
	}
}
