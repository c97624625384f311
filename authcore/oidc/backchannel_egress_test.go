package oidc_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// Back-channel logout goes through the egress guard: a
// backchannel_logout_uri whose name resolves to 127.0.0.1 ("localhost")
// is refused at dial time while private targets are not allowed (nothing
// reaches the client, the delivery is audited as refused, with no
// retries), and is delivered once the administrator allows them.
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
	logout := func() {
		t.Helper()
		b := newBrowser(t)
		_, idt := codeFlow(t, e, b, r)
		_, _ = b.get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {idt}}.Encode())
		if list, _ := e.srv.OIDC.ListSessions(ctx, alice.ID); len(list) != 0 {
			t.Fatalf("session still live: %+v", list)
		}
	}
	events := func(n int) []audit.Event {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if evs := e.ev.of(audit.LogoutBackchannel); len(evs) >= n {
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
}
