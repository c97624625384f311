package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// aliceAuthorized starts a server, has alice sign in to a confidential
// client with scopes and returns what redeeming her code needs.
func aliceAuthorized(t *testing.T, scopes ...string) (srv *server.Server, issuer, userID string, cfg oauth2.Config, code, verifier string) {
	t.Helper()
	srv, issuer = servertest.Start(t)
	ctx := context.Background()
	u, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: "alice", Password: "wonderland-42"})
	if err != nil {
		t.Fatal(err)
	}
	redirect := "http://127.0.0.1:9/callback"
	grants := []string{"authorization_code", "refresh_token"}
	client, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Shop", Type: authcore.Confidential,
		RedirectURIs: []string{redirect}, GrantTypes: grants, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	cfg = oauth2.Config{ClientID: client.ID, ClientSecret: secret, RedirectURL: redirect, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/authorize", TokenURL: issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier = oauth2.GenerateVerifier()
	back := testsupport.NewBrowser(t).SignIn(issuer, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "alice", "wonderland-42").Redirect
	return srv, issuer, u.ID, cfg, back.Query().Get("code"), verifier
}

// Disabling a user stops the grants already issued to them: a refresh
// token (and so an offline client) must not keep minting access tokens
// for an account an administrator has shut.
func TestDisabledUserCannotRefresh(t *testing.T) {
	ctx := context.Background()
	srv, issuer, userID, cfg, code, verifier := aliceAuthorized(t, "orders:read", "offline_access")
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v (refresh token %q)", err, tok.RefreshToken)
	}
	if got := callDemo(t, issuer, tok.AccessToken); got != http.StatusOK {
		t.Fatalf("gateway before disabling: %d", got)
	}
	if err := srv.Login.SetDisabled(ctx, userID, true); err != nil {
		t.Fatal(err)
	}
	if got := callDemo(t, issuer, tok.AccessToken); got != http.StatusUnauthorized {
		t.Fatalf("gateway with a disabled user's access token: %d, want 401", got)
	}
	tok.Expiry = time.Now().Add(-time.Hour)
	if _, err := cfg.TokenSource(ctx, tok).Token(); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("refresh of a disabled user's token: %v, want invalid_grant", err)
	}
	// Enabling the account again does not bring the family back.
	if err := srv.Login.SetDisabled(ctx, userID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.TokenSource(ctx, tok).Token(); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("refresh after re-enabling: %v, want invalid_grant", err)
	}
}

// A code issued before the user was disabled is refused at the token
// endpoint: the sign-in behind it is no longer good.
func TestDisabledUserCodeRefused(t *testing.T) {
	ctx := context.Background()
	srv, _, userID, cfg, code, verifier := aliceAuthorized(t, "orders:read")
	if err := srv.Login.SetDisabled(ctx, userID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("code of a disabled user: %v, want invalid_grant", err)
	}
}
