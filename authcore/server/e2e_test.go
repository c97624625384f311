package server_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// browser is a cookie-keeping client that does not follow redirects, so
// each hop of the flow is checked as a browser would take it.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(u string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) postForm(u string, v url.Values) (*http.Response, string) {
	req, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var hiddenRE = regexp.MustCompile(`name="(csrf_token|return_to)" value="([^"]*)"`)

func hidden(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	if v.Get("csrf_token") == "" {
		t.Fatalf("no CSRF field in page:\n%s", body)
	}
	return v
}

// signIn follows an authorization URL through the real login and consent
// pages and returns the redirect the client receives.
func signIn(t *testing.T, b *browser, issuer, authURL, user, password string) *url.URL {
	t.Helper()
	resp, body := b.get(authURL)
	for hops := 0; hops < 6; hops++ {
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("unexpected %d at hop %d:\n%s", resp.StatusCode, hops, body)
		}
		loc, _ := resp.Location()
		if !strings.HasPrefix(loc.String(), issuer) {
			return loc
		}
		resp, body = b.get(loc.String())
		switch {
		case strings.HasPrefix(loc.Path, "/login") && resp.StatusCode == 200:
			form := hidden(t, body)
			form.Set("username", user)
			form.Set("password", password)
			resp, body = b.postForm(issuer+"/login", form)
		case strings.HasPrefix(loc.Path, "/consent") && resp.StatusCode == 200:
			if !strings.Contains(body, ">Allow<") || !strings.Contains(body, ">Deny<") {
				t.Fatalf("consent page lacks its buttons:\n%s", body)
			}
			form := hidden(t, body)
			form.Set("decision", "allow")
			resp, body = b.postForm(issuer+"/consent", form)
		}
	}
	t.Fatal("too many redirects")
	return nil
}

// The code flow end to end on the real server: x/oauth2 with PKCE, the
// real login and consent pages posted as a browser would, iss in the
// response, refresh rotation with reuse detection, and revocation seen by
// introspection and the embedded gateway.
func TestCodeFlowEndToEnd(t *testing.T) {
	srv, issuer := start(t)
	ctx := context.Background()
	if _, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: "alice", Email: "alice@example.com", Password: "wonderland-42"}); err != nil {
		t.Fatal(err)
	}
	redirect := "http://127.0.0.1:9/callback"
	client, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Shop", Type: authcore.Confidential,
		RedirectURIs: []string{redirect}, GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"profile", "orders:read", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := oauth2.Config{ClientID: client.ID, ClientSecret: secret, RedirectURL: redirect,
		Scopes:   []string{"orders:read", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/authorize", TokenURL: issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t)
	back := signIn(t, b, issuer, cfg.AuthCodeURL("st-123", oauth2.S256ChallengeOption(verifier)), "alice", "wonderland-42")
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
	back = signIn(t, b, issuer, cfg.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier)), "alice", "wonderland-42")
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
	srv, issuer := start(t)
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
