package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// The device grant end to end (RFC 8628): x/oauth2's DeviceAuth and
// DeviceAccessToken poll while a browser signs in on /device and allows
// the code; then the code is spent. Errors: authorization_pending,
// slow_down, access_denied, expired_token, invalid_grant, and the
// user-code guessing lockout.
func TestDeviceFlowEndToEnd(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	setupUser(t, srv.Login)
	c, _, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "TV", Type: authcore.Public,
		GrantTypes: []string{authcore.GrantDeviceCode, authcore.GrantRefreshToken}, Scopes: []string{"orders:read", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := oauth2.Config{ClientID: c.ID, Scopes: []string{"orders:read", "offline_access"}, Endpoint: oauth2.Endpoint{
		DeviceAuthURL: issuer + "/device_authorization", TokenURL: issuer + "/token", AuthStyle: oauth2.AuthStyleInParams}}
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(da.UserCode) != 9 || da.UserCode[4] != '-' || strings.Trim(da.UserCode, "BCDFGHJKLMNPQRSTVWXZ-") != "" ||
		da.VerificationURI != issuer+"/device" || !strings.HasPrefix(da.VerificationURIComplete, issuer+"/device?user_code=") ||
		da.Interval != 5 || time.Until(da.Expiry) < 9*time.Minute {
		t.Fatalf("device authorization %+v", da)
	}
	poll := func(code string) (int, map[string]any) {
		return postForm(t, issuer+"/token", url.Values{"grant_type": {authcore.GrantDeviceCode},
			"device_code": {code}, "client_id": {c.ID}}, "", "")
	}
	if st, m := poll(da.DeviceCode); st != 400 || m["error"] != "authorization_pending" {
		t.Fatalf("first poll: %d %v", st, m)
	}
	if st, m := poll(da.DeviceCode); st != 400 || m["error"] != "slow_down" {
		t.Fatalf("fast poll: %d %v", st, m)
	}
	type result struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		tok, err := cfg.DeviceAccessToken(ctx, da)
		done <- result{tok, err}
	}()
	b := testsupport.NewBrowser(t)
	resp, body := b.Get(da.VerificationURIComplete)
	loc, _ := resp.Location()
	if resp.StatusCode != 303 || !strings.HasPrefix(loc.Path, "/login") {
		t.Fatalf("verification page without session: %d %s", resp.StatusCode, body)
	}
	_, body = b.Get(issuer + loc.RequestURI())
	form := testsupport.Hidden(t, body)
	form.Set("username", "alice")
	form.Set("password", "wonderland-42")
	resp, body = b.PostForm(issuer+"/login", form)
	loc, _ = resp.Location()
	if resp.StatusCode != 303 || loc.Path != "/device" {
		t.Fatalf("login did not come back: %d %v %s", resp.StatusCode, loc, body)
	}
	resp, body = b.Get(issuer + loc.RequestURI())
	if resp.StatusCode != 200 || !strings.Contains(body, "TV") || !strings.Contains(body, "orders:read") ||
		resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("confirmation page: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	allow := testsupport.Hidden(t, body)
	allow.Set("user_code", da.UserCode)
	allow.Set("decision", "allow")
	noCSRF := url.Values{"user_code": {da.UserCode}, "decision": {"allow"}}
	if resp, _ := b.PostForm(issuer+"/device", noCSRF); resp.StatusCode < 400 {
		t.Fatalf("POST /device without CSRF: %d", resp.StatusCode)
	}
	if resp, body = b.PostForm(issuer+"/device", allow); resp.StatusCode != 200 || !strings.Contains(body, "Device connected") {
		t.Fatalf("allow: %d %s", resp.StatusCode, body)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("DeviceAccessToken did not return")
	}
	if r.err != nil || r.tok.AccessToken == "" || r.tok.RefreshToken == "" {
		t.Fatalf("DeviceAccessToken: %v %+v", r.err, r.tok)
	}
	if got := callDemo(t, issuer, r.tok.AccessToken); got != http.StatusOK {
		t.Fatalf("gateway with the device token: %d", got)
	}
	if st, m := poll(da.DeviceCode); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("second redemption: %d %v", st, m)
	}
	if resp, _ = b.PostForm(issuer+"/device", allow); resp.StatusCode != 400 {
		t.Fatalf("allowing a used code: %d", resp.StatusCode)
	}

	// Deny, then access_denied.
	da2, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, body = b.Get(da2.VerificationURIComplete)
	deny := testsupport.Hidden(t, body)
	deny.Set("user_code", da2.UserCode)
	deny.Set("decision", "deny")
	if resp, _ = b.PostForm(issuer+"/device", deny); resp.StatusCode != 200 {
		t.Fatalf("deny: %d", resp.StatusCode)
	}
	if st, m := poll(da2.DeviceCode); st != 400 || m["error"] != "access_denied" {
		t.Fatalf("after deny: %d %v", st, m)
	}
	// An expired code (its record gone, its expiry past) and an unknown one.
	if st, m := poll("x." + "1"); st != 400 || m["error"] != "expired_token" {
		t.Fatalf("expired code: %d %v", st, m)
	}
	if st, m := poll("unknown"); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("unknown code: %d %v", st, m)
	}
	// Guessing: wrong codes (the used one above counted too) lock the IP
	// out at the fifth.
	var codes []int
	for range 5 {
		f := testsupport.Hidden(t, body)
		f.Set("user_code", "BBBB-BBBB")
		resp, body = b.PostForm(issuer+"/device", f)
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 400 || codes[3] != 400 || codes[4] != 429 {
		t.Fatalf("wrong codes answered %v, want 400 x4 then 429", codes)
	}
}
