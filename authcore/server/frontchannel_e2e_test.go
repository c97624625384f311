package server_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

var iframeRE = regexp.MustCompile(`<iframe src="([^"]*)"`)

// signOut asks /end_session with q, confirms on the real prompt page and
// returns the signed-out page.
func signOut(t *testing.T, b *testsupport.Browser, issuer string, q url.Values) (*http.Response, string) {
	t.Helper()
	resp, body := b.Get(issuer + "/end_session?" + q.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("logout prompt: %d %s", resp.StatusCode, body)
	}
	form := testsupport.Hidden(t, body)
	for k, v := range q {
		form[k] = v
	}
	form.Set("decision", "logout")
	return b.PostForm(issuer+"/end_session", form)
}

// OIDC Front-Channel Logout 1.0 end to end: after alice signs in to
// three clients through the real pages and signs out at /end_session,
// the signed-out page frames exactly the two front-channel logout URIs
// (with iss and sid for the client that asked for them), its frame-src
// allows exactly those, and it continues to a trusted post-logout
// redirect. Unframeable URIs are refused at registration.
func TestFrontchannelLogoutEndToEnd(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	alice, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: "alice", Email: "alice@example.com", Password: "wonderland-42"})
	if err != nil {
		t.Fatal(err)
	}
	redirect := "http://127.0.0.1:9/callback"
	base := oauth.ClientSpec{Name: "A", RedirectURIs: []string{redirect}, Scopes: []string{"openid"},
		PostLogoutRedirectURIs: []string{"http://127.0.0.1:9/bye"}}
	specA := base
	specA.FrontchannelLogoutURI, specA.FrontchannelLogoutSessionRequired = "http://127.0.0.1:9/fc/logout", true
	specB := base
	specB.Name, specB.FrontchannelLogoutURI = "B", "https://b.example/logout"
	specC := base
	specC.Name = "C"
	b := testsupport.NewBrowser(t)
	var ids []string
	for _, spec := range []oauth.ClientSpec{specA, specB, specC} {
		c, _, err := srv.OAuth.CreateClient(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		q, _ := pkce(url.Values{"response_type": {"code"}, "client_id": {c.ID}, "scope": {"openid"}})
		b.SignIn(issuer, issuer+"/authorize?"+q.Encode(), "alice", "wonderland-42")
	}
	sessions, err := srv.OIDC.ListSessions(ctx, alice.ID)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("sessions %v %v", sessions, err)
	}
	sid := sessions[0].SID

	resp, body := signOut(t, b, issuer, url.Values{})
	var frames []string
	for _, m := range iframeRE.FindAllStringSubmatch(body, -1) {
		frames = append(frames, html.UnescapeString(m[1]))
	}
	slices.Sort(frames)
	wantA := "http://127.0.0.1:9/fc/logout?" + url.Values{"iss": {issuer}, "sid": {sid}}.Encode()
	if resp.StatusCode != 200 || !slices.Equal(frames, []string{wantA, "https://b.example/logout"}) {
		t.Fatalf("frames %v, want A with iss and sid and B without; %d\n%s", frames, resp.StatusCode, body)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.HasSuffix(csp, "; frame-src http://127.0.0.1:9/fc/logout https://b.example/logout") &&
		!strings.HasSuffix(csp, "; frame-src https://b.example/logout http://127.0.0.1:9/fc/logout") {
		t.Fatalf("CSP %q does not allow exactly the two frames", csp)
	}
	if strings.Contains(csp, "script-src") || strings.Contains(body, "<script") {
		t.Fatalf("the signed-out page runs a script: %s", csp)
	}
	if left, _ := srv.OIDC.ListSessions(ctx, alice.ID); len(left) != 0 {
		t.Fatalf("session survived: %v", left)
	}

	// Signed in again, RP-initiated logout with a registered post-logout
	// URI: the page frames, then continues there with state.
	q, _ := pkce(url.Values{"response_type": {"code"}, "client_id": {ids[0]}, "scope": {"openid"}})
	b.SignIn(issuer, issuer+"/authorize?"+q.Encode(), "alice", "wonderland-42")
	resp, body = signOut(t, b, issuer, url.Values{"client_id": {ids[0]},
		"post_logout_redirect_uri": {"http://127.0.0.1:9/bye"}, "state": {"s1"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `<meta http-equiv="refresh" content="3;url=http://127.0.0.1:9/bye?state=s1">`) ||
		len(iframeRE.FindAllString(body, -1)) != 2 {
		t.Fatalf("RP-initiated logout with frames: %d\n%s", resp.StatusCode, body)
	}

	for _, bad := range []string{"http://rp.example/fc", "https://rp.example/fc?x=1", "https://rp.example/fc#f",
		"https://rp.example/", "https://rp.example/a;b", "javascript:alert(1)"} {
		spec := base
		spec.FrontchannelLogoutURI = bad
		if _, _, err := srv.OAuth.CreateClient(ctx, spec); !errors.Is(err, oauth.ErrInvalidClientMetadata) {
			t.Errorf("frontchannel_logout_uri %q: %v", bad, err)
		}
	}
	var md map[string]any
	getJSON(t, issuer+"/.well-known/openid-configuration", &md)
	if md["frontchannel_logout_supported"] != true || md["frontchannel_logout_session_supported"] != true {
		t.Errorf("discovery: %v %v", md["frontchannel_logout_supported"], md["frontchannel_logout_session_supported"])
	}
}
