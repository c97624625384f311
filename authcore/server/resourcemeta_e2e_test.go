package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

var resourceMetadataRE = regexp.MustCompile(`resource_metadata="([^"]+)"`)

// fetchAPI fetches u with an optional bearer token.
func fetchAPI(t *testing.T, u, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// RFC 9728 end to end, as an MCP client does it: given only the API's
// URL on the embedded gateway, the client reads resource_metadata from
// the 401, the protected resource metadata (resource, authorization
// server), then the authorization server metadata (RFC 8414), signs the
// user in through the real pages with resource= the API (RFC 8707), and
// calls the API with the token. A token for another audience is refused
// with the same pointer to the metadata.
func TestProtectedResourceDiscoveryEndToEnd(t *testing.T) {
	srv, issuer := servertest.Start(t)
	ctx := context.Background()
	setupUser(t, srv.Login)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "orders for "+r.Header.Get(gateway.HeaderSubject))
	}))
	defer upstream.Close()
	api := issuer + "/api/orders"
	if err := srv.SetRoutes(ctx, []gateway.Route{{Name: "orders", Prefix: "/api/orders", Upstream: upstream.URL,
		Audience: api, Scopes: []string{"orders:read"}}}); err != nil {
		t.Fatal(err)
	}

	// 1. The API's 401 points at its metadata.
	resp, _ := fetchAPI(t, api+"/42", "")
	m := resourceMetadataRE.FindStringSubmatch(resp.Header.Get("WWW-Authenticate"))
	if resp.StatusCode != 401 || m == nil || m[1] != issuer+"/.well-known/oauth-protected-resource/api/orders" {
		t.Fatalf("401 challenge %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// 2. The protected resource metadata names the resource and its
	// authorization server.
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		Scopes               []string `json:"scopes_supported"`
	}
	getJSON(t, m[1], &prm)
	if prm.Resource != api || len(prm.AuthorizationServers) != 1 || len(prm.Scopes) != 1 || prm.Scopes[0] != "orders:read" {
		t.Fatalf("protected resource metadata %+v", prm)
	}
	// 3. The authorization server metadata (RFC 8414 §3) of that issuer.
	var asm struct {
		Issuer       string `json:"issuer"`
		AuthEndpoint string `json:"authorization_endpoint"`
		Token        string `json:"token_endpoint"`
	}
	getJSON(t, prm.AuthorizationServers[0]+"/.well-known/oauth-authorization-server", &asm)
	if asm.Issuer != prm.AuthorizationServers[0] {
		t.Fatalf("issuer %q from %q", asm.Issuer, prm.AuthorizationServers[0])
	}
	// 4. A token for that resource, through the real login and consent.
	redirect := "http://127.0.0.1:9/callback"
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Agent", RedirectURIs: []string{redirect},
		Scopes: prm.Scopes, Audience: []string{prm.Resource, issuer + "/elsewhere"}})
	if err != nil {
		t.Fatal(err)
	}
	token := func(resource string) string {
		q, verifier := pkce(url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect},
			"scope": {"orders:read"}, "resource": {resource}})
		back := testsupport.NewBrowser(t).SignIn(issuer, asm.AuthEndpoint+"?"+q.Encode(), "alice", "wonderland-42").Redirect
		st, tok := postForm(t, asm.Token, url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
			"redirect_uri": {redirect}, "code_verifier": {verifier}, "resource": {resource}}, c.ID, secret)
		at, _ := tok["access_token"].(string)
		if st != 200 || at == "" {
			t.Fatalf("token for %s: %d %v", resource, st, tok)
		}
		return at
	}
	// 5. The API answers with it.
	if resp, body := fetchAPI(t, api+"/42", token(prm.Resource)); resp.StatusCode != 200 || body == "" {
		t.Fatalf("API with the discovered token: %d %s", resp.StatusCode, body)
	}
	// A token for another resource of the same client is refused, and
	// the refusal still points at the metadata.
	resp, _ = fetchAPI(t, api+"/42", token(issuer+"/elsewhere"))
	if resp.StatusCode != 401 || resourceMetadataRE.FindStringSubmatch(resp.Header.Get("WWW-Authenticate")) == nil {
		t.Fatalf("wrong audience: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if resp, _ := fetchAPI(t, issuer+"/.well-known/oauth-protected-resource/nothing", ""); resp.StatusCode != 404 {
		t.Fatalf("unknown resource: %d", resp.StatusCode)
	}
}
