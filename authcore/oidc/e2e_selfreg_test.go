package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// openRegistration lets anyone register a client (RFC 7591).
func openRegistration(c *server.Config) {
	c.Registration = oauth.RegistrationConfig{Enabled: true, Open: true, Rate: 1e9, Burst: 1e9}
}

// selfRegister registers a client at /register as anyone could and
// returns it as a relying party.
func (e *env) selfRegister(t *testing.T, meta map[string]any) rp {
	t.Helper()
	b, _ := json.Marshal(meta)
	req, _ := http.NewRequest("POST", e.issuer+"/register", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	status, _, body := call(t, req)
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil || status != http.StatusCreated {
		t.Fatalf("register: %d %s", status, body)
	}
	id, _ := m["client_id"].(string)
	secret, _ := m["client_secret"].(string)
	redirect := meta["redirect_uris"].([]string)[0]
	var r rp
	r.client.ID, r.client.Name = id, meta["client_name"].(string)
	r.cfg = oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/token",
			AuthStyle: oauth2.AuthStyleInHeader}}
	return r
}

// Open redirect through a self-registered client (RFC 9700 §4.11.2,
// issue 16): a visitor who is not signed in is neither redirected by
// /end_session to the client's post-logout URI nor by /authorize with
// prompt=none to its redirect URI; /end_session shows a signed-out page
// with a link instead. With a valid id_token_hint of the user whose
// session ends (she signed in to that client) the redirect happens, and
// clients an administrator registered keep today's behaviour.
func TestAttackSelfRegisteredClientNoOpenRedirect(t *testing.T) {
	e := start(t, openRegistration)
	e.user("alice", "alice@example.com")
	bye := "https://phish.example/bye"
	phish := e.selfRegister(t, map[string]any{"client_name": "Phish", "redirect_uris": []string{"https://phish.example/cb"},
		"post_logout_redirect_uris": []string{bye}, "scope": "openid"})
	admin := e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb}, Scopes: []string{"openid"},
		PostLogoutRedirectURIs: []string{"https://shop.example/bye"}}, "openid")
	visitor := testsupport.NewBrowser(t)
	end := func(b *testsupport.Browser, v url.Values) (*http.Response, string) {
		return b.Get(e.issuer + "/end_session?" + v.Encode())
	}

	resp, body := end(visitor, url.Values{"client_id": {phish.client.ID}, "post_logout_redirect_uri": {bye}, "state": {"s<1>"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" ||
		!strings.Contains(body, `href="https://phish.example/bye?state=s%3C1%3E"`) || !strings.Contains(body, "Phish") {
		t.Fatalf("self-registered end_session without hint: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, _ = end(visitor, url.Values{"client_id": {admin.client.ID}, "post_logout_redirect_uri": {"https://shop.example/bye"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://shop.example/bye" {
		t.Fatalf("admin-registered end_session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	verifier := oauth2.GenerateVerifier()
	silent := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")}
	resp, body = visitor.Get(phish.cfg.AuthCodeURL("st", silent...))
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, "login_required") {
		t.Fatalf("self-registered prompt=none: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = visitor.Get(admin.cfg.AuthCodeURL("st", silent...))
	if loc, _ := resp.Location(); loc == nil || !strings.HasPrefix(loc.String(), cb+"?") || loc.Query().Get("error") != "login_required" {
		t.Fatalf("admin-registered prompt=none: %d %v", resp.StatusCode, loc)
	}

	// Alice signs in to the client herself: the hint it holds then sends
	// her back after signing out.
	alice := testsupport.NewBrowser(t)
	codeFlow(t, e, alice, phish)
	// Without the hint, after she confirms: signed out, a link, no redirect.
	_, body = end(alice, url.Values{"client_id": {phish.client.ID}, "post_logout_redirect_uri": {bye}})
	form := testsupport.Hidden(t, body) // the CSRF token; the rest as the page carries it
	form.Set("client_id", phish.client.ID)
	form.Set("post_logout_redirect_uri", bye)
	form.Set("decision", "logout")
	resp, body = alice.PostForm(e.issuer+"/end_session", form)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, `href="https://phish.example/bye"`) {
		t.Fatalf("confirmed without hint: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, idt := codeFlow(t, e, alice, phish)
	// The client's author holds a valid hint of their own sign-in: a
	// visitor's browser is still not redirected with it.
	resp, body = end(visitor, url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {bye}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, `href="https://phish.example/bye"`) {
		t.Fatalf("a visitor with someone else's hint: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = end(alice, url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {bye}, "state": {"s2"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != bye+"?state=s2" {
		t.Fatalf("with a valid hint: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
