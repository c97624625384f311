package oidc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// RFC 9396 test vocabulary: a payment type with a strict schema and an
// account type that takes any object.
const (
	paySchema = `{"type":"object","required":["type","amount","currency","creditorName"],
		"properties":{"amount":{"type":"string","pattern":"^[0-9]+\\.[0-9]{2}$"},
		"currency":{"enum":["EUR","USD"]},"creditorName":{"type":"string","maxLength":100}}}`
	payTemplate = "Pay {{amount}} {{currency}} to {{creditorName}}"
	payOK       = `[{"type":"payment_initiation","amount":"12.50","currency":"EUR","creditorName":"Merchant A"}]`
	payAndAcct  = `[{"type":"payment_initiation","amount":"12.50","currency":"EUR","creditorName":"Merchant A"},` +
		`{"type":"account_information","accounts":["DE89"]}]`
)

// rarEnv is a server with both types registered, a client allowed both
// ("shop") and one allowed only account_information ("reader").
type rarEnv struct {
	*env
	shop, reader rp
}

func startRAR(t *testing.T) *rarEnv {
	t.Helper()
	e := &rarEnv{env: start(t)}
	ctx := context.Background()
	for _, dt := range []authcore.AuthorizationDetailType{
		{Type: "payment_initiation", Schema: paySchema, ConsentTemplate: payTemplate},
		{Type: "account_information", Schema: `{"type":"object"}`, ConsentTemplate: "Read accounts {{accounts}}"},
	} {
		if _, err := e.srv.OAuth.CreateAuthorizationDetailType(ctx, dt); err != nil {
			t.Fatal(err)
		}
	}
	e.user("alice", "alice@example.com")
	grants := []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken, authcore.GrantClientCredentials}
	e.shop = e.rp(oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{cb}, GrantTypes: grants,
		Scopes: []string{"openid", "offline_access"}, AuthorizationDetailsTypes: []string{"payment_initiation", "account_information"}})
	e.reader = e.rp(oauth.ClientSpec{Name: "Reader", RedirectURIs: []string{cb}, GrantTypes: grants,
		Scopes: []string{"openid", "offline_access"}, AuthorizationDetailsTypes: []string{"account_information"}})
	return e
}

// post sends a form to path as client r (client_secret_basic) and
// decodes the JSON answer.
func (e *env) post(t *testing.T, path string, r rp, v url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.issuer+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(r.cfg.ClientID), url.QueryEscape(r.cfg.ClientSecret))
	status, _, body := call(t, req)
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%s: %d %q is not JSON", path, status, body)
	}
	return status, out
}

// authParams are an authorization request of r with PKCE, asking for
// details ("" for none).
func authParams(r rp, details string) (url.Values, string) {
	verifier := oauth2.GenerateVerifier()
	v := url.Values{"response_type": {"code"}, "client_id": {r.cfg.ClientID}, "redirect_uri": {cb},
		"scope": {"openid offline_access"}, "state": {"st"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	if details != "" {
		v.Set("authorization_details", details)
	}
	return v, verifier
}

// walk follows an authorization through the real login and consent
// pages as a browser would, posting Allow on every consent page. It
// returns the consent pages it saw and the redirect that left the
// issuer.
func walk(t *testing.T, e *env, b *testsupport.Browser, start string) ([]string, *url.URL) {
	t.Helper()
	var consents []string
	resp, body := b.Get(start)
	for hop := 0; hop < 8; hop++ {
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("hop %d: %d\n%s", hop, resp.StatusCode, body)
		}
		loc, _ := resp.Location()
		if !strings.HasPrefix(loc.String(), e.issuer) {
			return consents, loc
		}
		resp, body = b.Get(loc.String())
		switch {
		case loc.Path == "/login" && resp.StatusCode == http.StatusOK:
			form := testsupport.Hidden(t, body)
			form.Set("username", "alice")
			form.Set("password", password)
			resp, body = b.PostForm(e.issuer+"/login", form)
		case loc.Path == "/consent" && resp.StatusCode == http.StatusOK:
			consents = append(consents, body)
			form := testsupport.Hidden(t, body)
			form.Set("decision", "allow")
			resp, body = b.PostForm(e.issuer+"/consent", form)
		}
	}
	t.Fatal("too many redirects")
	return nil, nil
}

// redeem exchanges the code of an authorization response.
func (e *env) redeem(t *testing.T, r rp, back *url.URL, verifier string) map[string]any {
	t.Helper()
	code := back.Query().Get("code")
	if code == "" {
		t.Fatalf("authorization response without a code: %s", back)
	}
	status, tok := e.post(t, "/token", r, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {cb}, "code_verifier": {verifier}})
	if status != http.StatusOK {
		t.Fatalf("code redemption: %d %v", status, tok)
	}
	return tok
}

// detailTypesOf lists the types of an authorization_details value as
// decoded from JSON.
func detailTypesOf(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, d := range list {
		m, _ := d.(map[string]any)
		typ, _ := m["type"].(string)
		out = append(out, typ)
	}
	return out
}
