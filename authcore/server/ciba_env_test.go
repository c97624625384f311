package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// cibaEnv is a real server on an injected clock with the user alice,
// for the CIBA end-to-end tests.
type cibaEnv struct {
	t      *testing.T
	srv    *server.Server
	issuer string
	clk    *testsupport.Clock
	events *testsupport.Events
	alice  authcore.User
}

func newCIBAEnv(t *testing.T, edit ...func(*server.Config)) *cibaEnv {
	e := &cibaEnv{t: t, clk: testsupport.NewClock(time.Now().Truncate(time.Second)), events: &testsupport.Events{}}
	e.srv, e.issuer = servertest.Start(t, append([]func(*server.Config){func(c *server.Config) {
		c.Now, c.Audit = e.clk.Now, e.events
		c.CIBA.AllowPrivate = true // the receivers are httptest servers on loopback
		c.CIBA.NotifyBackoff = 10 * time.Millisecond
	}}, edit...)...)
	setupUser(t, e.srv.Login)
	u, err := e.srv.Store.GetUserByUsername(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	e.alice = u
	return e
}

// client registers a confidential CIBA client.
func (e *cibaEnv) client(name, mode, endpoint string, edit ...func(*oauth.ClientSpec)) (string, string) {
	e.t.Helper()
	spec := oauth.ClientSpec{Name: name, Type: authcore.Confidential,
		GrantTypes: []string{authcore.GrantCIBA, authcore.GrantRefreshToken}, Scopes: []string{"openid", "profile", "offline_access"},
		BackchannelTokenDeliveryMode: mode, BackchannelClientNotificationEndpoint: endpoint}
	for _, f := range edit {
		f(&spec)
	}
	c, secret, err := e.srv.OAuth.CreateClient(context.Background(), spec)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID, secret
}

// post sends a client-authenticated form to path and decodes the JSON.
func (e *cibaEnv) post(path, id, secret string, f url.Values, header ...string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.issuer+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// start is a successful /bc-authorize; it returns the auth_req_id.
func (e *cibaEnv) start(id, secret string, f url.Values) string {
	e.t.Helper()
	st, m := e.post("/bc-authorize", id, secret, f)
	ar, _ := m["auth_req_id"].(string)
	if st != 200 || len(ar) < 43 || m["expires_in"] == nil || m["interval"] != float64(5) {
		e.t.Fatalf("bc-authorize: %d %v", st, m)
	}
	return ar
}

// poll is one CIBA token request.
func (e *cibaEnv) poll(id, secret, authReqID string, header ...string) (int, map[string]any) {
	e.t.Helper()
	return e.post("/token", id, secret, url.Values{"grant_type": {authcore.GrantCIBA}, "auth_req_id": {authReqID}}, header...)
}

// signIn signs alice in on the account page with a browser.
func (e *cibaEnv) signIn() *testsupport.Browser {
	e.t.Helper()
	b := testsupport.NewBrowser(e.t)
	resp, _ := b.Get(e.issuer + "/account")
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || loc.Path != "/login" {
		e.t.Fatalf("account page without session: %d %v", resp.StatusCode, loc)
	}
	_, page := b.Get(e.issuer + loc.RequestURI())
	form := testsupport.Hidden(e.t, page)
	form.Set("username", "alice")
	form.Set("password", "wonderland-42")
	resp, page = b.PostForm(e.issuer+"/login", form)
	if loc, _ = resp.Location(); resp.StatusCode != http.StatusSeeOther || loc.Path != "/account" {
		e.t.Fatalf("login did not come back to the account page: %d %v\n%s", resp.StatusCode, loc, page)
	}
	return b
}

var (
	cibaRequestRE = regexp.MustCompile(`name="request" value="([0-9a-f]{64})"`)
	csrfRE        = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// pending opens the account page and returns it with the ids of the
// pending requests it lists.
func (e *cibaEnv) pending(b *testsupport.Browser) (string, []string) {
	e.t.Helper()
	resp, page := b.Get(e.issuer + "/account")
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("account page: %d\n%s", resp.StatusCode, page)
	}
	var ids []string
	for _, m := range cibaRequestRE.FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	return page, ids
}

// approve signs alice in on a new browser and approves the one pending
// backchannel request on her account page; it returns the browser.
func (e *cibaEnv) approve() *testsupport.Browser {
	e.t.Helper()
	b := e.signIn()
	page, ids := e.pending(b)
	if len(ids) == 0 {
		e.t.Fatalf("no pending backchannel request on the account page")
	}
	e.decide(b, page, ids[0], "approve")
	return b
}

// decide posts decision for request id on the account page.
func (e *cibaEnv) decide(b *testsupport.Browser, page, id, decision string) *http.Response {
	e.t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("no CSRF token on the account page")
	}
	resp, _ := b.PostForm(e.issuer+"/account/backchannel", url.Values{"csrf_token": {m[1]}, "request": {id}, "decision": {decision}})
	return resp
}

// receiver is an httptest notification endpoint that hands over every
// request it gets.
type received struct {
	auth string
	body map[string]any
}

func receiver(t *testing.T) (string, <-chan received) {
	ch := make(chan received, 16)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		ch <- received{auth: r.Header.Get("Authorization"), body: m}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/cb", ch
}

func waitFor(t *testing.T, ch <-chan received, what string) received {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s arrived", what)
	}
	return received{}
}

// oauthSpec shortens client edits in the CIBA tests.
type oauthSpec = oauth.ClientSpec

func decodeJSON(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// notified waits for the ciba.notified event of target ("ping" or
// "channel"): deliveries run in the background.
func (e *cibaEnv) notified(target string) audit.Event {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, ev := range e.events.Of(audit.BackchannelNotified) {
			if ev.Details["target"] == target {
				return ev
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no ciba.notified event for %s", target)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
