package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
)

// An emergency key revocation is felt at once: the embedded gateway
// refuses a token it had just let through (its verified-token cache dies
// with the old key set), and introspection calls it inactive.
func TestKeyRevocationStopsTokensAtOnce(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}, Audience: []string{issuer}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", issuer+"/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decode(t, resp, &tok)
	if got := callDemo(t, issuer, tok.AccessToken); got != 200 {
		t.Fatalf("before revocation: %d", got)
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok.AccessToken, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Keys.Revoke(ctx, parsed.Header["kid"].(string), "test", "key material leaked"); err != nil {
		t.Fatal(err)
	}
	if got := callDemo(t, issuer, tok.AccessToken); got != 401 {
		t.Fatalf("gateway after key revocation: %d, want 401", got)
	}
	req, _ = http.NewRequest("POST", issuer+"/introspect", strings.NewReader(url.Values{"token": {tok.AccessToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ID, secret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	decode(t, resp, &in)
	if in["active"] != false || len(in) != 1 {
		t.Fatalf("introspection after key revocation: %v", in)
	}
}
