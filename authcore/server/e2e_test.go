package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// The code flow end to end on the real server: x/oauth2 with PKCE, the
// real login and consent pages posted as a browser would, iss in the
// response, refresh rotation with reuse detection, and revocation seen by
// introspection and the embedded gateway.
func TestCodeFlowEndToEnd(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	cfg := codeFlowClient(t, srv, issuer, "alice", "wonderland-42") // refresh_race_e2e_test.go
	verifier := oauth2.GenerateVerifier()
	b := testsupport.NewBrowser(t)
	back := b.SignIn(issuer, cfg.AuthCodeURL("st-123", oauth2.S256ChallengeOption(verifier)), "alice", "wonderland-42").Redirect
	q := back.Query()
	if q.Get("state") != "st-123" || q.Get("iss") != issuer || q.Get("code") == "" {
		t.Fatalf("authorization response %s", back)
	}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token with offline_access")
	}
	// The second exchange of the same code fails and revokes the first.
	if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("code reuse: %v", err)
	}
	if got := callDemo(t, issuer, tok.AccessToken); got != http.StatusUnauthorized {
		t.Fatalf("gateway after code reuse: %d, want 401", got)
	}

	// A fresh authorization skips the login (SSO session) and the consent
	// (remembered), then refresh rotates and reuse kills the family.
	back = b.SignIn(issuer, cfg.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier)), "alice", "wonderland-42").Redirect
	tok, err = cfg.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if got := callDemo(t, issuer, tok.AccessToken); got != http.StatusOK {
		t.Fatalf("gateway with a fresh token: %d", got)
	}
	rt1 := tok.RefreshToken
	tok.Expiry = tok.Expiry.Add(-24 * time.Hour) // force a refresh
	tok2, err := cfg.TokenSource(ctx, tok).Token()
	if err != nil || tok2.RefreshToken == rt1 {
		t.Fatalf("refresh did not rotate: %v", err)
	}
	stale := &oauth2.Token{RefreshToken: rt1}
	if _, err := cfg.TokenSource(ctx, stale).Token(); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("refresh reuse: %v", err)
	}
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("successor after reuse: %v", err)
	}
	if got := callDemo(t, issuer, tok2.AccessToken); got != http.StatusUnauthorized {
		t.Fatalf("gateway after family revocation: %d", got)
	}
}

func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}

func callDemo(t *testing.T, issuer, at string) int {
	req, _ := http.NewRequest("GET", issuer+"/demo/api/orders", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A revocation reaches a subscriber of the revocation feed, and the feed
// refuses callers without the feed token.
func TestRevocationFeed(t *testing.T) {
	srv, issuer := servertest.Start(t)
	resp, err := http.Get(issuer + "/revocations/feed")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("feed without credential: %d", resp.StatusCode)
	}
	ch, cancel := srv.Feed.Subscribe()
	defer cancel()
	go func() {
		_ = srv.Store.RevokeAccessToken(context.Background(),
			authcore.Revocation{JTI: "jti-1", ExpiresAt: time.Now().Add(time.Hour), RevokedAt: time.Now()})
	}()
	if rv := <-ch; rv.JTI != "jti-1" {
		t.Fatalf("published %+v", rv)
	}
	tok, err := srv.NewFeedToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", issuer+"/revocations/feed", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	resp, err = http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("feed with token: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	if !strings.Contains(string(buf[:n]), "jti-1") {
		t.Fatalf("snapshot lacks the revocation: %q", buf[:n])
	}
}
