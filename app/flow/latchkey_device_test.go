package flow

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// The device flow against a real Latchkey (RFC 8628): the runner shows the
// user code, polls (authorization_pending while nobody has approved), and
// gets tokens once a person signs in on the verification page, confirms
// the code and allows it. The server polls at 1 s here to keep the test
// short; the runner takes the interval from the response.
func TestLatchkeyDeviceFlow(t *testing.T) {
	srv, issuer := servertest.StartAt(t, "127.0.0.1", func(c *server.Config) { c.Device.Interval = time.Second })
	ctx := context.Background()
	if _, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: aliceName, Password: alicePassword}); err != nil {
		t.Fatal(err)
	}
	tv, _, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Living-room TV", Type: authcore.Public,
		GrantTypes: []string{authcore.GrantDeviceCode}, Scopes: []string{"openid", "profile"}})
	if err != nil {
		t.Fatal(err)
	}
	approved := make(chan error, 1)
	var shown DeviceCode
	var page string
	started := false
	tr, err := Run(ctx, Options{Issuer: issuer, ClientID: tv.ID, Flow: FlowDevice, Scope: "openid profile",
		Timeout:      30 * time.Second,
		OnDeviceCode: func(dc DeviceCode) { shown = dc },
		OpenBrowser:  func(u string) error { page = u; return nil },
		// The person approves once the runner has seen authorization_pending.
		OnStep: func(s *Step) {
			if !started && s.Response != nil && strings.Contains(s.Response.Body, "authorization_pending") {
				started = true
				go func() { approved <- approveDevice(t, issuer, page, shown.UserCode) }()
			}
		}})
	if err != nil {
		t.Fatalf("%v\n%v", err, failedChecks(tr))
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	if len(shown.UserCode) != 9 || shown.VerificationURI != issuer+"/device" {
		t.Fatalf("device code shown: %+v", shown)
	}
	var pending, granted bool
	for _, s := range tr.Steps {
		pending = pending || (s.Response != nil && strings.Contains(s.Response.Body, "authorization_pending"))
		granted = granted || (s.Response != nil && s.Response.Status == 200 && len(s.Tokens) > 0)
	}
	if !pending || !granted {
		t.Fatalf("the trace shows no pending poll (%v) or no tokens (%v): %+v", pending, granted, tr.Steps)
	}
	if tr.RawTokens()["access_token"] == "" {
		t.Fatal("no access token in the trace")
	}
	noRealProblems(t, tr)
}

// approveDevice is a person at the verification page: it signs alice in,
// checks the page names the code, and allows it.
func approveDevice(t *testing.T, issuer, page, code string) error {
	b := testsupport.NewBrowser(t)
	resp, body := b.Get(page)
	for hops := 0; resp.StatusCode == 303 && hops < 5; hops++ {
		loc, err := resp.Location()
		if err != nil {
			return err
		}
		if strings.HasPrefix(loc.Path, "/login") {
			_, body = b.Get(issuer + loc.RequestURI())
			form, ok := testsupport.FormFields(body)
			if !ok {
				return errors.New("no login form")
			}
			form.Set("username", aliceName)
			form.Set("password", alicePassword)
			resp, body = b.PostForm(issuer+"/login", form)
			continue
		}
		resp, body = b.Get(issuer + loc.RequestURI())
	}
	if resp.StatusCode != 200 || !strings.Contains(body, "Living-room TV") {
		return errors.New("no confirmation page: " + resp.Status)
	}
	form, ok := testsupport.FormFields(body)
	if !ok {
		return errors.New("no form on the confirmation page")
	}
	form.Set("user_code", code)
	form.Set("decision", "allow")
	resp, body = b.PostForm(issuer+"/device", url.Values(form))
	if resp.StatusCode != 200 || !strings.Contains(body, "Device connected") {
		return errors.New("allow: " + resp.Status)
	}
	return nil
}
