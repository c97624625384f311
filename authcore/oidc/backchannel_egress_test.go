package oidc_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// Back-channel logout of a dynamically registered client goes through the
// egress guard: a backchannel_logout_uri whose name resolves to 127.0.0.1
// ("localhost") is refused at dial time while private targets are not
// allowed (nothing reaches the client, the delivery is audited as refused,
// with no retries), and is delivered once the administrator allows them.
// A client the administrator registered is trusted with its URI.
func TestBackchannelEgressGuard(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	alice := e.user("alice", "alice@example.com")
	rec := &logouts{}
	bc := httptest.NewServer(rec)
	defer bc.Close()
	target := "http://localhost" + bc.URL[strings.LastIndex(bc.URL, ":"):] + "/bc"
	r := e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb}, Scopes: []string{"openid"},
		BackchannelLogoutURI: target}, "openid")
	// As /register leaves it: the client holds a registration access token.
	if err := e.srv.Store.UpdateClient(ctx, r.client.ID, func(c authcore.Client) (authcore.Client, error) {
		c.RegistrationTokenHash = []byte("hash of its registration access token")
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	logout := func() {
		t.Helper()
		b := testsupport.NewBrowser(t)
		_, idt := codeFlow(t, e, b, r)
		_, _ = b.Get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {idt}}.Encode())
		if list, _ := e.srv.OIDC.ListSessions(ctx, alice.ID); len(list) != 0 {
			t.Fatalf("session still live: %+v", list)
		}
	}
	events := func(n int) []audit.Event {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if evs := e.ev.Of(audit.LogoutBackchannel); len(evs) >= n {
				return evs
			}
		}
		t.Fatalf("fewer than %d back-channel events", n)
		return nil
	}
	logout()
	evs := events(1)
	if evs[0].Outcome != audit.Failure || !strings.Contains(evs[0].Reason, "private address") || evs[0].Details["attempts"] != 1 {
		t.Fatalf("guarded delivery: %+v", evs[0])
	}
	rec.mu.Lock()
	n := len(rec.tokens)
	rec.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d logout tokens reached the loopback client", n)
	}
	e.srv.OIDC.SetBackchannelAllowPrivate(true)
	logout()
	rec.wait(t, 1)
	if evs := events(2); evs[1].Outcome != audit.Success {
		t.Fatalf("allowed delivery: %+v", evs[1])
	}
	// Guarded again; the administrator's own client on localhost is reached.
	e.srv.OIDC.SetBackchannelAllowPrivate(false)
	r = e.rp(oauth.ClientSpec{Name: "Admin's app", RedirectURIs: []string{cb}, Scopes: []string{"openid"},
		BackchannelLogoutURI: target}, "openid")
	logout()
	rec.wait(t, 2)
	// (Ending alice's sessions notifies the guarded client too: refused again.)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var ok bool
		for _, ev := range e.ev.Of(audit.LogoutBackchannel) {
			ok = ok || (ev.ClientID == r.client.ID && ev.Outcome == audit.Success)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery to the admin-registered client %s: %+v", r.client.ID, e.ev.Of(audit.LogoutBackchannel))
		}
	}
}
