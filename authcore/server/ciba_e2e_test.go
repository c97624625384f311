package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// CIBA poll mode end to end (CIBA Core 1.0): discovery advertises it;
// /bc-authorize answers an auth_req_id; polls get authorization_pending
// and, too fast, slow_down; alice signs in on the account page, sees the
// client, the binding message and the scopes, and approves (not without
// the CSRF token); the next poll gets DPoP-bound tokens and an ID token
// naming alice; a replay is invalid_grant (docs/security.md CIBA-02,
// CIBA-03).
func TestCIBAPollEndToEnd(t *testing.T) {
	e := newCIBAEnv(t)
	resp, err := http.Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	md := decodeJSON(t, resp)
	if md["backchannel_authentication_endpoint"] != e.issuer+"/bc-authorize" ||
		!slices.Equal(anyStrings(md["backchannel_token_delivery_modes_supported"]), []string{"poll", "ping"}) ||
		!slices.Contains(anyStrings(md["grant_types_supported"]), authcore.GrantCIBA) {
		t.Fatalf("discovery: %v", md)
	}
	if _, ok := md["backchannel_user_code_parameter_supported"]; ok {
		t.Fatal("user codes advertised without being implemented")
	}
	id, secret := e.client("Bank teller", "poll", "")
	ar := e.start(id, secret, url.Values{"scope": {"openid profile offline_access"}, "login_hint": {"alice"},
		"binding_message": {"Teller 42: W4SP"}, "acr_values": {"urn:latchkey:acr:password"}})
	if st, m := e.poll(id, secret, ar); st != 400 || m["error"] != "authorization_pending" {
		t.Fatalf("first poll: %d %v", st, m)
	}
	if st, m := e.poll(id, secret, ar); st != 400 || m["error"] != "slow_down" {
		t.Fatalf("fast poll: %d %v", st, m)
	}
	b := e.signIn()
	page, ids := e.pending(b)
	if len(ids) != 1 || !strings.Contains(page, "Bank teller") || !strings.Contains(page, "Teller 42: W4SP") ||
		!strings.Contains(page, "openid profile offline_access") || !strings.Contains(page, "urn:latchkey:acr:password") {
		t.Fatalf("account page does not show the request (%v):\n%s", ids, page)
	}
	if resp, body := b.Get(e.issuer + "/account/backchannel"); resp.StatusCode != 200 || !strings.Contains(body, `"requests":["`+ids[0]+`"]`) {
		t.Fatalf("live list of pending requests: %d %s", resp.StatusCode, body)
	}
	if resp, _ := http.Get(e.issuer + "/account/backchannel"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("live list without a session: %d", resp.StatusCode)
	}
	if resp, body := b.Get(e.issuer + "/login/account-live.js"); resp.StatusCode != 200 || !strings.Contains(body, "/account/backchannel") {
		t.Fatalf("account-live.js: %d", resp.StatusCode)
	}
	if resp, _ := b.PostForm(e.issuer+"/account/backchannel", url.Values{"request": {ids[0]}, "decision": {"approve"}}); resp.StatusCode < 400 {
		t.Fatalf("approve without CSRF token: %d", resp.StatusCode)
	}
	if resp := e.decide(b, page, ids[0], "approve"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?done=ciba-approved" {
		t.Fatalf("approve: %d %v", resp.StatusCode, resp.Header)
	}
	if _, ids := e.pending(b); len(ids) != 0 {
		t.Fatalf("decided request still listed: %v", ids)
	}
	if _, body := b.Get(e.issuer + "/account/backchannel"); !strings.Contains(body, `"requests":[]`) {
		t.Fatalf("live list after the decision: %s", body)
	}
	e.clk.Advance(11 * time.Second) // past the interval that grew on slow_down
	key := testsupport.NewDPoPKey(t)
	st, tok := e.poll(id, secret, ar, "DPoP", key.ProofAt(e.clk.Now(), "POST", e.issuer+"/token", ""))
	if st != 200 || tok["token_type"] != "DPoP" || tok["refresh_token"] == nil || tok["id_token"] == nil {
		t.Fatalf("redemption: %d %v", st, tok)
	}
	_, claims := testsupport.DecodeJWT(t, tok["id_token"].(string))
	if claims["sub"] != e.alice.ID || claims["aud"] != id || claims["iss"] != e.issuer || claims["auth_time"] == nil {
		t.Fatalf("ID token claims: %v", claims)
	}
	_, at := testsupport.DecodeJWT(t, tok["access_token"].(string))
	if cnf, _ := at["cnf"].(map[string]any); cnf["jkt"] == nil || at["sub"] != e.alice.ID {
		t.Fatalf("access token not bound to the DPoP key: %v", at)
	}
	e.clk.Advance(11 * time.Second)
	if st, m := e.poll(id, secret, ar); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("replayed auth_req_id: %d %v", st, m)
	}
	if ev, ok := e.events.Last(audit.TokenIssued); !ok || ev.Details["grant_type"] != authcore.GrantCIBA || ev.Subject != e.alice.ID {
		t.Fatalf("token.issued event: %+v", ev)
	}
	if ev, ok := e.events.Last(audit.ConsentGranted); !ok || ev.Details["flow"] != "ciba" || ev.ClientID != id {
		t.Fatalf("consent.granted event: %+v", ev)
	}
	if ev, ok := e.events.Last(audit.BackchannelRequested); !ok || ev.Outcome != audit.Success || strings.Contains(e.events.String(), ar) {
		t.Fatal("ciba.requested event missing, or an event holds the auth_req_id")
	}
}

// CIBA ping mode end to end: the channel webhook is told of the request
// (without the auth_req_id), approval on the account page pings the
// client's notification endpoint with its client_notification_token and
// the auth_req_id, and the client redeems it. Denial pings too, and the
// client learns access_denied (docs/security.md CIBA-04).
func TestCIBAPingEndToEnd(t *testing.T) {
	channel, channelCh := receiver(t)
	e := newCIBAEnv(t, func(c *server.Config) { c.CIBA.Channel.URL, c.CIBA.Channel.Token = channel, "org-channel-secret" })
	endpoint, pings := receiver(t)
	id, secret := e.client("Call centre", "ping", endpoint)
	ar := e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}, "binding_message": {"Call 7731"},
		"client_notification_token": {"ntok-8f3a1c0b9e"}})
	ch := waitFor(t, channelCh, "authentication-channel call")
	if ch.auth != "Bearer org-channel-secret" || ch.body["username"] != "alice" || ch.body["binding_message"] != "Call 7731" ||
		ch.body["client_name"] != "Call centre" || ch.body["approve_url"] != e.issuer+"/account" || len(ch.body["request_id"].(string)) != 64 {
		t.Fatalf("channel call: %+v", ch)
	}
	for k, v := range ch.body {
		if s, _ := v.(string); s == ar || strings.Contains(s, "ntok-") {
			t.Fatalf("channel body member %s carries a secret", k)
		}
	}
	b := e.signIn()
	page, ids := e.pending(b)
	if len(ids) != 1 || ids[0] != ch.body["request_id"] {
		t.Fatalf("account page ids %v, channel request %v", ids, ch.body["request_id"])
	}
	e.decide(b, page, ids[0], "approve")
	ping := waitFor(t, pings, "ping")
	if ping.auth != "Bearer ntok-8f3a1c0b9e" || ping.body["auth_req_id"] != ar {
		t.Fatalf("ping: %+v, want the auth_req_id %s", ping, ar)
	}
	if st, tok := e.poll(id, secret, ar); st != 200 || tok["id_token"] == nil {
		t.Fatalf("redemption after the ping: %d %v", st, tok)
	}
	if ev := e.notified("ping"); ev.Outcome != audit.Success || ev.Details["status"] != 204 {
		t.Fatalf("ciba.notified event: %+v", ev)
	}

	ar2 := e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}, "client_notification_token": {"ntok-2"}})
	waitFor(t, channelCh, "second channel call")
	page, ids = e.pending(b)
	e.decide(b, page, ids[0], "deny")
	if ping := waitFor(t, pings, "ping after denial"); ping.body["auth_req_id"] != ar2 {
		t.Fatalf("ping after denial: %+v", ping)
	}
	if st, m := e.poll(id, secret, ar2); st != 400 || m["error"] != "access_denied" {
		t.Fatalf("after denial: %d %v", st, m)
	}
}

// A ping to a private address is refused by the egress guard when
// private targets are not allowed, and audited without the token.
func TestCIBAPingToPrivateAddressRefused(t *testing.T) {
	e := newCIBAEnv(t, func(c *server.Config) { c.CIBA.AllowPrivate = false })
	endpoint, pings := receiver(t)
	id, secret := e.client("Call centre", "ping", endpoint)
	e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}, "client_notification_token": {"ntok-private"}})
	e.approve()
	if ev := e.notified("ping"); ev.Outcome != audit.Failure || !strings.Contains(ev.Reason, "private") || strings.Contains(e.events.String(), "ntok-private") {
		t.Fatalf("refused ping event: %+v", ev)
	}
	select {
	case p := <-pings:
		t.Fatalf("the ping reached a loopback address: %+v", p)
	default:
	}
}

// Denial, expiry (on the injected clock), another client's auth_req_id,
// and a race of concurrent redemptions of which exactly one wins
// (docs/security.md CIBA-02, RL-05).
func TestCIBADenialExpiryWrongClientRace(t *testing.T) {
	e := newCIBAEnv(t)
	id, secret := e.client("Teller", "poll", "")
	other, otherSecret := e.client("Other", "poll", "")
	b := e.signIn()

	denied := e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}})
	page, ids := e.pending(b)
	e.decide(b, page, ids[0], "deny")
	if st, m := e.poll(id, secret, denied); st != 400 || m["error"] != "access_denied" {
		t.Fatalf("denied: %d %v", st, m)
	}

	short := e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}, "requested_expiry": {"60"}})
	e.clk.Advance(61 * time.Second)
	if st, m := e.poll(id, secret, short); st != 400 || m["error"] != "expired_token" {
		t.Fatalf("expired: %d %v", st, m)
	}
	if _, ids := e.pending(b); len(ids) != 0 {
		t.Fatalf("expired request listed: %v", ids)
	}

	ar := e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}})
	b = e.signIn() // the sign-in above is older than the re-authentication window now
	page, ids = e.pending(b)
	e.decide(b, page, ids[0], "approve")
	if st, m := e.poll(other, otherSecret, ar); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("another client redeeming: %d %v", st, m)
	}
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = e.poll(id, secret, ar)
		}()
	}
	wg.Wait()
	wins := 0
	for _, c := range codes {
		if c == 200 {
			wins++
		} else if c != 400 {
			t.Errorf("a concurrent redemption answered %d", c)
		}
	}
	if wins != 1 {
		t.Fatalf("concurrent redemptions: %v, want exactly one 200", codes)
	}
}

// The id_token_hint path: an ID token this server issued names the
// user; a tampered one is refused.
func TestCIBAIDTokenHint(t *testing.T) {
	e := newCIBAEnv(t)
	id, secret := e.client("Teller", "poll", "")
	ar := e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}})
	b := e.approve()
	_, tok := e.poll(id, secret, ar)
	idt, _ := tok["id_token"].(string)
	if idt == "" {
		t.Fatalf("no ID token: %v", tok)
	}
	e.start(id, secret, url.Values{"scope": {"openid"}, "id_token_hint": {idt}})
	if page, ids := e.pending(b); len(ids) != 1 || !strings.Contains(page, "Teller") {
		t.Fatalf("the id_token_hint request is not alice's: %v", ids)
	}
	tampered := idt[:len(idt)-4] + "AAAA"
	if st, m := e.post("/bc-authorize", id, secret, url.Values{"scope": {"openid"}, "id_token_hint": {tampered}}); st != 400 || m["error"] != "invalid_request" {
		t.Fatalf("tampered id_token_hint: %d %v", st, m)
	}
}

// Approving for a client registered with require_mfa takes a second
// factor: a password-only session is sent to the second-factor step.
func TestCIBAApprovalNeedsMFA(t *testing.T) {
	e := newCIBAEnv(t)
	id, secret := e.client("Bank", "poll", "", func(s *oauthSpec) { s.RequireMFA = true })
	ar := e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}})
	b := e.signIn()
	page, ids := e.pending(b)
	if !strings.Contains(page, "needs a second factor") {
		t.Fatalf("the page does not say the request needs a second factor:\n%s", page)
	}
	resp := e.decide(b, page, ids[0], "approve")
	if loc, _ := resp.Location(); resp.StatusCode != http.StatusSeeOther || loc.Path != "/login/mfa" {
		t.Fatalf("approve with a password-only session: %d %v", resp.StatusCode, loc)
	}
	if st, m := e.poll(id, secret, ar); st != 400 || m["error"] != "authorization_pending" {
		t.Fatalf("after the refused approval: %d %v", st, m)
	}
}

// A private_key_jwt client authenticates at /bc-authorize and at /token
// with client assertions (aud the issuer), as at the token endpoint.
func TestCIBAPrivateKeyJWT(t *testing.T) {
	e := newCIBAEnv(t)
	k := newJWTKey(t)
	id, _ := e.client("Signed teller", "poll", "", func(s *oauthSpec) {
		s.AuthMethod, s.JWKS = authcore.AuthPrivateKeyJWT, k.jwks
	})
	form := func(extra url.Values) url.Values {
		extra.Set("client_id", id)
		extra.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		extra.Set("client_assertion", k.assertion(t, id, e.issuer))
		return extra
	}
	st, m := e.post("/bc-authorize", "", "", form(url.Values{"scope": {"openid"}, "login_hint": {"alice"}}))
	ar, _ := m["auth_req_id"].(string)
	if st != 200 || ar == "" {
		t.Fatalf("bc-authorize with a client assertion: %d %v", st, m)
	}
	if st, m := e.post("/bc-authorize", "", "", url.Values{"client_id": {id}, "scope": {"openid"}, "login_hint": {"alice"}}); st < 400 || m["error"] != "invalid_client" {
		t.Fatalf("bc-authorize without the assertion: %d %v", st, m)
	}
	e.approve()
	if st, tok := e.post("/token", "", "", form(url.Values{"grant_type": {authcore.GrantCIBA}, "auth_req_id": {ar}})); st != 200 || tok["access_token"] == nil {
		t.Fatalf("redemption with a client assertion: %d %v", st, tok)
	}
}

// A ping the receiver answers 503 is tried again (a bounded number of
// times) until it is taken (docs/security.md CIBA-04).
func TestCIBAPingRetried(t *testing.T) {
	e := newCIBAEnv(t)
	var mu sync.Mutex
	calls := 0
	got := make(chan string, 4)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		got <- r.Header.Get("Authorization")
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(ts.Close)
	id, secret := e.client("Call centre", "ping", ts.URL+"/cb")
	e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}, "client_notification_token": {"ntok-retry"}})
	e.approve()
	select {
	case auth := <-got:
		if auth != "Bearer ntok-retry" {
			t.Fatalf("third attempt carried %q", auth)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the ping was not retried to success")
	}
	if ev := e.notified("ping"); ev.Outcome != audit.Success || ev.Details["attempts"] != 3 {
		t.Fatalf("ciba.notified: %+v", ev)
	}
}
