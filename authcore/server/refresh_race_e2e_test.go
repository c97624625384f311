package server_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// TestConcurrentRefreshReuseRevokesFamily: 20 clients present one refresh
// token at once, on the real server and its store (Badger, or PostgreSQL
// under LATCHKEY_TEST_STORE=postgres, where the refresh reads its token
// and grant in one round trip and rotates in one statement). Exactly one
// rotation wins; the others are reuse, so the family is revoked: the
// winner's new refresh token and access token stop working too (OAuth
// 2.1 §4.3.1).
func TestConcurrentRefreshReuseRevokesFamily(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	cfg := codeFlowClient(t, srv, issuer, "bob", "builder-of-42")
	verifier := oauth2.GenerateVerifier()
	back := testsupport.NewBrowser(t).SignIn(issuer, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "bob", "builder-of-42").Redirect
	tok, err := cfg.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v (refresh token %q)", err, tok.RefreshToken)
	}

	var mu sync.Mutex
	var wins []*oauth2.Token
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins = append(wins, got)
			case !isOAuthError(err, "invalid_grant"):
				t.Errorf("loser: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("%d rotations won, want exactly 1", len(wins))
	}
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: wins[0].RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("winner's refresh token after the reuse: %v, want invalid_grant", err)
	}
	if got := callDemo(t, issuer, wins[0].AccessToken); got != http.StatusUnauthorized {
		t.Fatalf("winner's access token after the reuse: gateway %d, want 401", got)
	}
}

// codeFlowClient creates user (password pass) and a confidential client
// for the code flow with refresh tokens, and returns the client's
// x/oauth2 configuration for the server at issuer.
func codeFlowClient(t *testing.T, srv *server.Server, issuer, user, pass string) oauth2.Config {
	t.Helper()
	ctx := context.Background()
	if _, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: user, Email: user + "@example.com", Password: pass}); err != nil {
		t.Fatal(err)
	}
	redirect := "http://127.0.0.1:9/callback"
	client, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Shop", Type: authcore.Confidential,
		RedirectURIs: []string{redirect}, GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"profile", "orders:read", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	return oauth2.Config{ClientID: client.ID, ClientSecret: secret, RedirectURL: redirect,
		Scopes:   []string{"orders:read", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/authorize", TokenURL: issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
}
