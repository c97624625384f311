package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// Issue 20: two nodes on one store (with LATCHKEY_TEST_STORE=postgres,
// two connection pools on one PostgreSQL schema) share every single-use
// value and the SSO session: a value used at one node is used at both,
// and a DPoP server nonce issued by one node is accepted by the other.
func TestTwoNodesShareSingleUseState(t *testing.T) {
	nodes := servertest.StartNodes(t, 2, func(c *server.Config) {
		c.DPoP = oauth.DPoPConfig{RequireNonce: true}
		c.Registration = oauth.RegistrationConfig{Enabled: true}
	})
	a, b := nodes[0], nodes[1]
	issuer := a.URL
	ctx := context.Background()
	setupUser(t, a.Server.Login)
	redirect := "http://127.0.0.1:9/callback"
	web, webSecret, err := a.Server.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{redirect},
		GrantTypes: []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken}, Scopes: []string{"orders:read"}})
	if err != nil {
		t.Fatal(err)
	}
	br := testsupport.NewBrowser(t)

	t.Run("SSO session and code", func(t *testing.T) {
		form, verifier := pkce(url.Values{"response_type": {"code"}, "client_id": {web.ID}, "redirect_uri": {redirect},
			"scope": {"orders:read"}, "state": {"s1"}})
		if s := br.SignIn(issuer, issuer+"/authorize?"+form.Encode(), "alice", "wonderland-42"); s.Logins != 1 {
			t.Fatalf("sign-in at A: %d login forms", s.Logins)
		}
		resp, body := br.Get(b.URL + "/authorize?" + form.Encode())
		loc, _ := resp.Location()
		if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Query().Get("code") == "" {
			t.Fatalf("authorize at B with A's session cookie: %d %v %s", resp.StatusCode, loc, body)
		}
		redeem := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
			"redirect_uri": {redirect}, "code_verifier": {verifier}}
		if st, m := postForm(t, b.URL+"/token", redeem, web.ID, webSecret); st != 200 {
			t.Fatalf("code redeemed at B: %d %v", st, m)
		}
		if st, m := postForm(t, a.URL+"/token", redeem, web.ID, webSecret); st != 400 || m["error"] != "invalid_grant" {
			t.Errorf("the same code at A: %d %v, want invalid_grant", st, m)
		}
	})

	t.Run("PAR request_uri", func(t *testing.T) {
		form, _ := pkce(url.Values{"response_type": {"code"}, "client_id": {web.ID}, "redirect_uri": {redirect},
			"scope": {"orders:read"}, "state": {"s2"}})
		st, m := postForm(t, a.URL+"/par", form, web.ID, webSecret)
		uri, _ := m["request_uri"].(string)
		if st != 201 || uri == "" {
			t.Fatalf("PAR at A: %d %v", st, m)
		}
		authz := "/authorize?" + url.Values{"client_id": {web.ID}, "request_uri": {uri}}.Encode()
		if resp, body := br.Get(b.URL + authz); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("request_uri pushed at A, used at B: %d %s", resp.StatusCode, body)
		}
		if resp, body := br.Get(a.URL + authz); resp.StatusCode != 400 || pageError(body) != "invalid_request_uri" {
			t.Errorf("request_uri used at B, again at A: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("DPoP nonce and proof jti", func(t *testing.T) {
		svc, svcSecret, err := a.Server.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "svc",
			GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"orders:read"}, Audience: []string{issuer}})
		if err != nil {
			t.Fatal(err)
		}
		key := testsupport.NewDPoPKey(t)
		cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}
		call := func(node, proof string) reply {
			return send(t, "POST", node+"/token", strings.NewReader(cc.Encode()), map[string]string{
				"Content-Type": "application/x-www-form-urlencoded", "DPoP": proof,
				"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(svc.ID+":"+svcSecret))})
		}
		first := call(a.URL, key.Proof("POST", issuer+"/token", ""))
		nonce := first.header.Get("DPoP-Nonce")
		if first.status != 400 || first.str("error") != "use_dpop_nonce" || nonce == "" {
			t.Fatalf("proof without a nonce at A: %d %s", first.status, first.raw)
		}
		proof := key.ProofNonce("POST", issuer+"/token", "", nonce)
		tok := call(b.URL, proof)
		if tok.status != 200 || tok.str("token_type") != "DPoP" {
			t.Fatalf("A's nonce at B: %d %s", tok.status, tok.raw)
		}
		// The embedded gateways: behind a load balancer both nodes see
		// the issuer's Host, so a proof shown to A must not pass at B.
		at := tok.str("access_token")
		api := issuer + gateway.DemoOrdersPath
		p := key.Proof("GET", api, at)
		for i, node := range []string{a.URL, b.URL} {
			req, _ := http.NewRequest("GET", node+gateway.DemoOrdersPath, nil)
			req.Host = strings.TrimPrefix(issuer, "http://")
			req.Header.Set("Authorization", "DPoP "+at)
			req.Header.Set("DPoP", p)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if want := []int{200, 401}[i]; resp.StatusCode != want {
				t.Errorf("gateway of node %d with a proof first shown to A: %d, want %d", i, resp.StatusCode, want)
			}
		}
		if r := call(a.URL, proof); r.status != 400 || r.str("error") != "invalid_dpop_proof" {
			t.Errorf("the proof used at B, replayed at A: %d %s, want invalid_dpop_proof", r.status, r.raw)
		}
	})

	t.Run("registration initial access token", func(t *testing.T) {
		iat, err := a.Server.OAuth.CreateInitialAccessToken(ctx, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		meta, _ := json.Marshal(map[string]any{"client_name": "Reg", "redirect_uris": []string{redirect}})
		register := func(node string) int {
			return send(t, "POST", node+"/register", bytes.NewReader(meta),
				map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + iat}).status
		}
		if st := register(a.URL); st != 201 {
			t.Fatalf("register at A: %d", st)
		}
		if st := register(b.URL); st != 401 {
			t.Errorf("the initial access token used at A, again at B: %d, want 401", st)
		}
	})

	t.Run("device code", func(t *testing.T) {
		tv, _, err := a.Server.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "TV", Type: authcore.Public,
			GrantTypes: []string{authcore.GrantDeviceCode}, Scopes: []string{"orders:read"}})
		if err != nil {
			t.Fatal(err)
		}
		cfg := oauth2.Config{ClientID: tv.ID, Scopes: []string{"orders:read"}, Endpoint: oauth2.Endpoint{
			DeviceAuthURL: a.URL + "/device_authorization", AuthStyle: oauth2.AuthStyleInParams}}
		da, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, body := br.Get(b.URL + "/device?user_code=" + url.QueryEscape(da.UserCode))
		allow := testsupport.Hidden(t, body)
		allow.Set("user_code", da.UserCode)
		allow.Set("decision", "allow")
		if resp, body := br.PostForm(b.URL+"/device", allow); resp.StatusCode != 200 {
			t.Fatalf("allow at B: %d %s", resp.StatusCode, body)
		}
		poll := url.Values{"grant_type": {authcore.GrantDeviceCode}, "device_code": {da.DeviceCode}, "client_id": {tv.ID}}
		if st, m := postForm(t, a.URL+"/token", poll, "", ""); st != 200 {
			t.Fatalf("device code allowed at B, redeemed at A: %d %v", st, m)
		}
		if st, m := postForm(t, b.URL+"/token", poll, "", ""); st != 400 || m["error"] != "invalid_grant" {
			t.Errorf("the device code again at B: %d %v, want invalid_grant", st, m)
		}
	})
}
