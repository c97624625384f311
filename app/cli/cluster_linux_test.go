package cli

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore/testsupport"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

const webRedirect = "https://app.example/cb"

// Issue 20, with real processes: three `latchkey serve` nodes on one
// PostgreSQL database share tokens, the account lockout, the SSO session
// and refresh-token families.
func TestClusterThreeNodes(t *testing.T) {
	c := startCluster(t, pgtest.Database(t), 3)
	a, b, cc := c.nodes[0], c.nodes[1], c.nodes[2]
	svc, svcSecret := c.client("--name", "svc", "--grant-type", "client_credentials", "--scope", "orders:read")
	web, webSecret := c.client("--name", "web", "--redirect-uri", webRedirect,
		"--grant-type", "authorization_code", "--grant-type", "refresh_token", "--scope", "openid offline_access")
	c.user("alice", "correct horse battery")
	c.user("bob", "bob's right password")

	t.Run("a token issued by A introspects active at B and C", func(t *testing.T) {
		st, tok := tokenCall(t, a.url, svc, svcSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}})
		if st != http.StatusOK {
			t.Fatalf("client_credentials at A: %d %v", st, tok)
		}
		for _, nd := range []*clusterNode{b, cc} {
			st, in := tokenCallAt(t, nd.url+"/introspect", svc, svcSecret, url.Values{"token": {tok["access_token"].(string)}})
			if st != http.StatusOK || in["active"] != true {
				t.Errorf("introspection at %s: %d %v, want active", nd.name, st, in)
			}
		}
	})

	t.Run("failed logins spread over A, B, C lock the account at the threshold", func(t *testing.T) {
		br := testsupport.NewBrowser(t)
		const threshold = 5 // the default policy's LockoutThreshold
		for i := range threshold {
			c.lb.pinTo(i % 3)
			if got := postLogin(t, br, c.issuer, "bob", "a wrong guess"); got != http.StatusOK {
				t.Fatalf("failure %d at node %d: %d, want the login page again", i+1, i%3, got)
			}
		}
		for i := range 3 {
			c.lb.pinTo(i)
			if got := postLogin(t, br, c.issuer, "bob", "bob's right password"); got != http.StatusOK {
				t.Errorf("right password at node %d after %d failures spread over three nodes: %d, want refused (locked)", i, threshold, got)
			}
		}
		c.lb.pinTo(-1)
	})

	t.Run("sign in at A, authorize at B with the same cookie; a refresh token replayed at another node revokes the family", func(t *testing.T) {
		br := testsupport.NewBrowser(t)
		v1, v2 := randomVerifier(), randomVerifier()
		c.lb.pinTo(0)
		first := br.SignIn(c.issuer, authorizeURL(c.issuer, web, "s1", pkceChallenge(v1)), "alice", "correct horse battery")
		if first.Logins != 1 {
			t.Fatalf("first sign-in at A posted %d login forms, want 1", first.Logins)
		}
		c.lb.pinTo(1)
		second := br.SignIn(c.issuer, authorizeURL(c.issuer, web, "s2", pkceChallenge(v2)), "alice", "never typed")
		c.lb.pinTo(-1)
		if second.Logins != 0 || second.Redirect.Query().Get("code") == "" {
			t.Fatalf("authorize at B with A's cookie: %d login forms, redirect %v; want the SSO session honoured", second.Logins, second.Redirect)
		}
		code := second.Redirect.Query().Get("code")
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webRedirect}, "code_verifier": {v2}}
		st, tok := tokenCall(t, cc.url, web, webSecret, form)
		if st != http.StatusOK || tok["refresh_token"] == nil {
			t.Fatalf("code from B redeemed at C: %d %v", st, tok)
		}
		if st, again := tokenCall(t, a.url, web, webSecret, form); st != http.StatusBadRequest || again["error"] != "invalid_grant" {
			t.Errorf("the same code again at A: %d %v, want invalid_grant", st, again)
		}
		// The replayed code revoked what it had issued (OAuth 2.1 §4.1.3).
		if st, _ := tokenCall(t, b.url, web, webSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}); st != http.StatusBadRequest {
			t.Errorf("refresh at B after the code was replayed at A: %d, want the grant revoked", st)
		}

		v3 := randomVerifier()
		third := br.SignIn(c.issuer, authorizeURL(c.issuer, web, "s3", pkceChallenge(v3)), "alice", "never typed")
		st, tok = tokenCall(t, b.url, web, webSecret, url.Values{"grant_type": {"authorization_code"},
			"code": {third.Redirect.Query().Get("code")}, "redirect_uri": {webRedirect}, "code_verifier": {v3}})
		if st != http.StatusOK || tok["refresh_token"] == nil {
			t.Fatalf("a fresh code redeemed at B: %d %v", st, tok)
		}
		r0 := tok["refresh_token"].(string)
		st, rot := tokenCall(t, a.url, web, webSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r0}})
		if st != http.StatusOK {
			t.Fatalf("rotation at A: %d %v", st, rot)
		}
		if st, replay := tokenCall(t, b.url, web, webSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r0}}); st != http.StatusBadRequest || replay["error"] != "invalid_grant" {
			t.Fatalf("replay of the rotated token at B: %d %v, want invalid_grant", st, replay)
		}
		r1 := rot["refresh_token"].(string)
		if st, succ := tokenCall(t, cc.url, web, webSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r1}}); st != http.StatusBadRequest {
			t.Errorf("the successor at C after the replay: %d %v, want the family revoked", st, succ)
		}
		st, in := tokenCallAt(t, cc.url+"/introspect", web, webSecret, url.Values{"token": {rot["access_token"].(string)}})
		if st != http.StatusOK || in["active"] != false {
			t.Errorf("the family's access token at C after the replay: %d %v, want inactive", st, in)
		}
	})
}

// postLogin posts the login form of the issuer's login page as br and
// returns the status: 303 signed in, 200 the page again with an error.
func postLogin(t *testing.T, br *testsupport.Browser, issuer, user, pw string) int {
	t.Helper()
	_, page := br.Get(issuer + "/login")
	form := testsupport.Hidden(t, page)
	form.Set("username", user)
	form.Set("password", pw)
	resp, _ := br.PostForm(issuer+"/login", form)
	return resp.StatusCode
}

// authorizeURL is an authorization request of client with PKCE.
func authorizeURL(issuer, client, state, challenge string) string {
	return issuer + "/authorize?" + url.Values{"response_type": {"code"}, "client_id": {client},
		"redirect_uri": {webRedirect}, "scope": {"openid offline_access"}, "state": {state},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode()
}

func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// randomVerifier is a fresh PKCE verifier.
func randomVerifier() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenCall posts form to base's token endpoint as client id.
func tokenCall(t *testing.T, base, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	return tokenCallAt(t, base+"/token", id, secret, form)
}

// tokenCallAt posts form to endpoint with HTTP Basic client
// authentication and decodes the JSON answer.
func tokenCallAt(t *testing.T, endpoint, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	st, body, err := formCall(endpoint, id, secret, form)
	if err != nil {
		t.Fatal(err)
	}
	return st, body
}

// formCall is tokenCallAt that returns a transport error.
func formCall(endpoint, id, secret string, form url.Values) (int, map[string]any, error) {
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	body := map[string]any{}
	_ = json.Unmarshal(raw, &body)
	return resp.StatusCode, body, nil
}
