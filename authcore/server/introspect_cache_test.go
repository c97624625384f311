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

// With the real key manager, introspection's verified-token cache dies
// with the key set: a token introspected (and so cached) just before an
// emergency key revocation is inactive at the next call.
func TestIntrospectionCacheDiesWithRevokedKey(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, form url.Values) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("POST", issuer+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ID, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		decode(t, resp, &out)
		return out
	}
	tok, _ := post("/token", url.Values{"grant_type": {"client_credentials"}})["access_token"].(string)
	for range 2 {
		if in := post("/introspect", url.Values{"token": {tok}}); in["active"] != true {
			t.Fatalf("before revocation: %v", in)
		}
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Keys.Revoke(ctx, parsed.Header["kid"].(string), "test", "key material leaked"); err != nil {
		t.Fatal(err)
	}
	if in := post("/introspect", url.Values{"token": {tok}}); in["active"] != false || len(in) != 1 {
		t.Fatalf("after key revocation: %v", in)
	}
}
