package cli

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// A real console sign-in whose token is DPoP-bound (the console client
// sent a DPoP proof at /token): the admin API refuses it as Bearer and
// takes it with a proof, once per proof; Sign out revokes it (issue 16,
// broken 1 and admin tokens), end to end over a running server.
func TestConsoleDPoPSignInEndToEnd(t *testing.T) {
	// The issuer names localhost and the browser uses 127.0.0.1, so the
	// sign-in ends at the redirect to the console (another origin for
	// SignIn) instead of following it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	f := serveFlags{addr: "127.0.0.1:" + port, issuer: "http://localhost:" + port}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	base := "http://127.0.0.1:" + port
	if _, err := in.app.CreateFirstAdmin(app.UserInput{Username: "root", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	key := testsupport.NewDPoPKey(t)
	redirect, verifier := in.issuer+"/console/", oauth2.GenerateVerifier()
	q := url.Values{"response_type": {"code"}, "client_id": {app.ConsoleClientID}, "redirect_uri": {redirect},
		"scope": {"openid " + app.AdminScope}, "state": {"st"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	back := testsupport.NewBrowser(t).SignIn(base, base+"/authorize?"+q.Encode(), "root", "correct horse battery").Redirect
	form := url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "code_verifier": {verifier},
		"redirect_uri": {redirect}, "client_id": {app.ConsoleClientID}}
	var tok struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		RefreshToken string `json:"refresh_token"`
	}
	if code := post(t, base+"/token", "application/x-www-form-urlencoded", form.Encode(),
		map[string]string{"DPoP": key.Proof("POST", in.issuer+"/token", "")}, &tok); code != 200 || tok.TokenType != "DPoP" {
		t.Fatalf("token: %d %+v", code, tok)
	}
	if tok.RefreshToken != "" {
		t.Fatal("the console sign-in got a refresh token, which sign-out would have to end too")
	}
	api := func(method string, hdr map[string]string) int {
		return post(t, base+"/console/api/"+method, "application/json", "[]", hdr, nil)
	}
	at := tok.AccessToken
	u := in.issuer + "/console/api/Status"
	if code := api("Status", map[string]string{"Authorization": "Bearer " + at}); code != 401 {
		t.Fatalf("DPoP-bound console token as Bearer: %d", code)
	}
	proof := key.Proof("POST", u, at)
	if code := api("Status", map[string]string{"Authorization": "DPoP " + at, "DPoP": proof}); code != 200 {
		t.Fatalf("with its proof: %d", code)
	}
	if code := api("Status", map[string]string{"Authorization": "DPoP " + at, "DPoP": proof}); code != 401 {
		t.Fatalf("replayed proof: %d", code)
	}
	if code := api("Status", map[string]string{"Authorization": "DPoP " + at, "DPoP": key.Proof("POST", u, "")}); code != 401 {
		t.Fatalf("proof without ath: %d", code)
	}
	out := in.issuer + "/console/api/SignOut"
	// A thief with the token but not the key cannot sign the admin out
	// (nor, through sign-out, revoke the grant).
	thief := testsupport.NewDPoPKey(t)
	for name, hdr := range map[string]map[string]string{
		"as Bearer":               {"Authorization": "Bearer " + at},
		"as DPoP without proof":   {"Authorization": "DPoP " + at},
		"with another key":        {"Authorization": "DPoP " + at, "DPoP": thief.Proof("POST", out, at)},
		"with a proof for Status": {"Authorization": "DPoP " + at, "DPoP": key.Proof("POST", u, at)},
	} {
		if code := api("SignOut", hdr); code != 401 {
			t.Errorf("sign out %s: %d, want 401", name, code)
		}
	}
	if code := api("Status", map[string]string{"Authorization": "DPoP " + at, "DPoP": key.Proof("POST", u, at)}); code != 200 {
		t.Fatalf("the token after refused sign-outs: %d", code)
	}
	if code := api("SignOut", map[string]string{"Authorization": "DPoP " + at, "DPoP": key.Proof("POST", out, at)}); code != 200 {
		t.Fatalf("sign out: %d", code)
	}
	if code := api("Status", map[string]string{"Authorization": "DPoP " + at, "DPoP": key.Proof("POST", u, at)}); code != 401 {
		t.Fatalf("the token after sign-out: %d", code)
	}
}

// post sends body to u with headers and decodes a JSON answer into out.
func post(t *testing.T, u, ctype, body string, hdr map[string]string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}
