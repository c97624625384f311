package server_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
)

// An emergency key revocation is felt at once, with the real key manager:
// the embedded gateway refuses a token it had just let through, and
// introspection calls inactive a token it had just introspected; both
// verified-token caches die with the old key set.
func TestKeyRevocationStopsTokensAtOnce(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}, Audience: []string{issuer}})
	if err != nil {
		t.Fatal(err)
	}
	_, post := clientCalls(t, issuer, c.ID, secret)
	tok, _ := post("/token", url.Values{"grant_type": {"client_credentials"}})["access_token"].(string)
	if got := callDemo(t, issuer, tok); got != 200 {
		t.Fatalf("before revocation: %d", got)
	}
	for range 2 { // the second answer comes from the cache
		if in := post("/introspect", url.Values{"token": {tok}}); in["active"] != true {
			t.Fatalf("introspection before revocation: %v", in)
		}
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Keys.Revoke(ctx, parsed.Header["kid"].(string), "test", "key material leaked"); err != nil {
		t.Fatal(err)
	}
	if got := callDemo(t, issuer, tok); got != 401 {
		t.Fatalf("gateway after key revocation: %d, want 401", got)
	}
	if in := post("/introspect", url.Values{"token": {tok}}); in["active"] != false || len(in) != 1 {
		t.Fatalf("introspection after key revocation: %v", in)
	}
}
