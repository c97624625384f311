package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// A pushed authorization request (RFC 9126) takes the self-registered
// rule too: prompt=none pushed by a self-registered client, used by a
// visitor who is not signed in, ends on Latchkey's error page, not at the
// client's redirect URI; an administrator's client gets its
// login_required redirect as before.
func TestAttackSelfRegisteredClientPushedRequestNoRedirect(t *testing.T) {
	e := start(t, openRegistration)
	phish := e.selfRegister(t, map[string]any{"client_name": "Phish", "redirect_uris": []string{"https://phish.example/cb"},
		"scope": "openid"})
	admin := e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb}, Scopes: []string{"openid"}}, "openid")
	visitor := testsupport.NewBrowser(t)
	for _, tc := range []struct {
		name     string
		c        rp
		redirect bool
	}{{"self-registered", phish, false}, {"admin-registered", admin, true}} {
		verifier := oauth2.GenerateVerifier()
		form := url.Values{"response_type": {"code"}, "client_id": {tc.c.cfg.ClientID}, "redirect_uri": {tc.c.cfg.RedirectURL},
			"scope": {"openid"}, "state": {"st"}, "prompt": {"none"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
		req, _ := http.NewRequest("POST", e.issuer+"/par", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(tc.c.cfg.ClientID), url.QueryEscape(tc.c.cfg.ClientSecret))
		status, _, body := call(t, req)
		var par struct {
			RequestURI string `json:"request_uri"`
		}
		if err := json.Unmarshal([]byte(body), &par); err != nil || status != http.StatusCreated {
			t.Fatalf("%s: par: %d %s", tc.name, status, body)
		}
		q := url.Values{"client_id": {tc.c.cfg.ClientID}, "request_uri": {par.RequestURI}}
		resp, body := visitor.Get(e.issuer + "/authorize?" + q.Encode())
		loc, _ := resp.Location()
		switch {
		case tc.redirect && (loc == nil || !strings.HasPrefix(loc.String(), cb+"?") || loc.Query().Get("error") != "login_required"):
			t.Errorf("%s: %d %v, want a login_required redirect", tc.name, resp.StatusCode, loc)
		case !tc.redirect && (resp.StatusCode != http.StatusBadRequest || loc != nil || !strings.Contains(body, "login_required")):
			t.Errorf("%s: %d %v, want the error page", tc.name, resp.StatusCode, loc)
		}
	}
}
