package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

var scriptNonceRE = regexp.MustCompile(`<script nonce="([^"]+)">`)

// checkFormPostPage checks the hardening of a form_post page: one script,
// run by the nonce of its CSP (never an inline handler), form-action
// allowing only the redirect URI's origin, no framing.
func checkFormPostPage(t *testing.T, fp *testsupport.FormPost, wantAction string) {
	t.Helper()
	if fp == nil {
		t.Fatal("no form_post page")
	}
	if fp.Action != wantAction {
		t.Errorf("form posts to %q, want %q", fp.Action, wantAction)
	}
	m := scriptNonceRE.FindAllStringSubmatch(fp.Body, -1)
	if len(m) != 1 || len(m[0][1]) < 20 {
		t.Fatalf("want exactly one nonce'd script, got %v in\n%s", m, fp.Body)
	}
	for _, want := range []string{"default-src 'none'", "script-src 'nonce-" + m[0][1] + "'",
		"form-action http://127.0.0.1:*", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(fp.CSP, want) {
			t.Errorf("CSP %q lacks %q", fp.CSP, want)
		}
	}
	if strings.Contains(fp.CSP, "unsafe-inline") || regexp.MustCompile(`(?i)\son[a-z]+=`).MatchString(fp.Body) {
		t.Errorf("inline script allowed or inline handler present: %s\n%s", fp.CSP, fp.Body)
	}
}

// The form_post response mode (OAuth 2.0 Form Post Response Mode §2) end
// to end through the real login and consent pages: the code, state and
// iss arrive in a self-submitting form, never in a URL, and redeem; an
// error before sign-in, and the user's Deny, arrive the same way; an
// unknown response_mode is refused in the default query mode.
func TestFormPostEndToEnd(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	setupUser(t, srv.Login)
	redirect := "http://127.0.0.1:9/callback"
	spec := oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{redirect}, Scopes: []string{"orders:read"}}
	c, secret, err := srv.OAuth.CreateClient(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	q, verifier := pkce(url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect},
		"scope": {"orders:read"}, "state": {"st-fp"}, "response_mode": {"form_post"}})
	b := testsupport.NewBrowser(t)
	signed := b.SignIn(issuer, issuer+"/authorize?"+q.Encode(), "alice", "wonderland-42")
	if signed.Redirect != nil {
		t.Fatalf("form_post answered with a redirect: %s", signed.Redirect)
	}
	fp := signed.FormPost
	checkFormPostPage(t, fp, redirect)
	if fp.Fields.Get("code") == "" || fp.Fields.Get("state") != "st-fp" || fp.Fields.Get("iss") != issuer || len(fp.Fields) != 3 {
		t.Fatalf("form fields %v", fp.Fields)
	}
	tok := url.Values{"grant_type": {"authorization_code"}, "code": {fp.Fields.Get("code")},
		"redirect_uri": {redirect}, "code_verifier": {verifier}}
	if st, m := postForm(t, issuer+"/token", tok, c.ID, secret); st != 200 || m["access_token"] == nil {
		t.Fatalf("redeeming the form_post code: %d %v", st, m)
	}

	// An error answered by redirect goes back as a form too.
	bad := clone(q)
	bad.Set("scope", "admin:everything")
	resp, body := b.Get(issuer + "/authorize?" + bad.Encode())
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
		t.Fatalf("error in form_post: %d %s", resp.StatusCode, body)
	}
	errPage := mustFormPost(t, resp, body, issuer)
	checkFormPostPage(t, errPage, redirect)
	if errPage.Fields.Get("error") != "invalid_scope" || errPage.Fields.Get("state") != "st-fp" || errPage.Fields.Get("code") != "" {
		t.Fatalf("error form fields %v", errPage.Fields)
	}

	// Deny on the consent page of a client alice never consented to.
	c2, _, _ := srv.OAuth.CreateClient(ctx, spec)
	q2 := clone(q)
	q2.Set("client_id", c2.ID)
	resp, _ = b.Get(issuer + "/authorize?" + q2.Encode())
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/consent" {
		t.Fatalf("want the consent page, got %d %v", resp.StatusCode, loc)
	}
	_, page := b.Get(loc.String())
	form := testsupport.Hidden(t, page)
	form.Set("decision", "deny")
	resp, body = b.PostForm(issuer+"/consent", form)
	denied := mustFormPost(t, resp, body, issuer)
	checkFormPostPage(t, denied, redirect)
	if denied.Fields.Get("error") != "access_denied" || denied.Fields.Get("state") != "st-fp" {
		t.Fatalf("deny form fields %v", denied.Fields)
	}

	// An unsupported mode (plain fragment: Latchkey has no implicit
	// flow) is invalid_request, answered in the default query mode.
	for _, mode := range []string{"fragment", "FORM_POST", "form_post.jwt.jwt"} {
		q3 := clone(q)
		q3.Set("response_mode", mode)
		resp, body = b.Get(issuer + "/authorize?" + q3.Encode())
		loc, _ = resp.Location()
		if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Query().Get("error") != "invalid_request" ||
			!strings.HasPrefix(loc.String(), redirect+"?") {
			t.Fatalf("response_mode=%s: %d %v %s", mode, resp.StatusCode, loc, body)
		}
	}
}

// mustFormPost reads a form_post page from a response the test fetched
// itself.
func mustFormPost(t *testing.T, resp *http.Response, body, issuer string) *testsupport.FormPost {
	t.Helper()
	fp, ok := testsupport.ParseFormPost(resp, body, issuer)
	if !ok {
		t.Fatalf("not a form_post page: %d\n%s", resp.StatusCode, body)
	}
	return fp
}
