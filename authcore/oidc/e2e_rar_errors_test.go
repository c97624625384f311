package oidc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// Every way authorization_details can be wrong (RFC 9396 §5) is
// invalid_authorization_details at /par, /authorize (by redirect),
// client_credentials and refresh: not JSON, not an array of objects, an
// object without a type, a type the client may not request, a type no
// longer registered, a schema violation.
func TestRARInvalidDetails(t *testing.T) {
	e := startRAR(t)
	ctx := context.Background()
	if _, err := e.srv.OAuth.CreateAuthorizationDetailType(ctx, authcore.AuthorizationDetailType{Type: "gone",
		Schema: `{"type":"object"}`, ConsentTemplate: "Gone"}); err != nil {
		t.Fatal(err)
	}
	grants := []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken, authcore.GrantClientCredentials}
	shop := e.rp(oauth.ClientSpec{Name: "Shop 2", RedirectURIs: []string{cb}, GrantTypes: grants,
		Scopes: []string{"openid", "offline_access"}, AuthorizationDetailsTypes: []string{"payment_initiation", "gone"}})
	if err := e.srv.OAuth.DeleteAuthorizationDetailType(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	// A refresh token whose grant holds payment details.
	v, verifier := authParams(shop, payOK)
	_, back := walk(t, e.env, testsupport.NewBrowser(t), e.issuer+"/authorize?"+v.Encode())
	rt := e.redeem(t, shop, back, verifier)["refresh_token"].(string)

	cases := []struct {
		name, details string
		c             rp
	}{
		{"not JSON", `[{"type":`, shop},
		{"trailing data", payOK + `x`, shop},
		{"an object, not an array", `{"type":"payment_initiation"}`, shop},
		{"empty array", `[]`, shop},
		{"no type", `[{"amount":"1.00"}]`, shop},
		{"a type the client may not request", payOK, e.reader},
		{"a type never registered", `[{"type":"wire_transfer"}]`, shop},
		{"a type no longer registered", `[{"type":"gone"}]`, shop},
		{"schema: bad amount", `[{"type":"payment_initiation","amount":"12.5","currency":"EUR","creditorName":"A"}]`, shop},
		{"schema: bad currency", `[{"type":"payment_initiation","amount":"12.50","currency":"GBP","creditorName":"A"}]`, shop},
		{"schema: missing field", `[{"type":"payment_initiation","amount":"12.50","currency":"EUR"}]`, shop},
	}
	b := testsupport.NewBrowser(t)
	wantErr := func(where string, status int, out map[string]any) {
		t.Helper()
		if status != http.StatusBadRequest || out["error"] != oauth.CodeInvalidAuthorizationDetails {
			t.Errorf("%s: %d %v, want 400 invalid_authorization_details", where, status, out)
		}
	}
	for _, tc := range cases {
		v, _ := authParams(tc.c, tc.details)
		status, out := e.post(t, "/par", tc.c, v)
		wantErr(tc.name+" at /par", status, out)

		resp, _ := b.Get(e.issuer + "/authorize?" + v.Encode())
		loc, _ := resp.Location()
		if resp.StatusCode != http.StatusSeeOther || loc == nil || !strings.HasPrefix(loc.String(), cb+"?") ||
			loc.Query().Get("error") != oauth.CodeInvalidAuthorizationDetails || loc.Query().Get("state") != "st" {
			t.Errorf("%s at /authorize: %d %v, want a redirect with invalid_authorization_details", tc.name, resp.StatusCode, loc)
		}

		status, out = e.post(t, "/token", tc.c, url.Values{"grant_type": {"client_credentials"},
			"authorization_details": {tc.details}})
		wantErr(tc.name+" at client_credentials", status, out)

		if tc.c.cfg.ClientID == shop.cfg.ClientID {
			status, out = e.post(t, "/token", shop, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
				"authorization_details": {tc.details}})
			wantErr(tc.name+" at refresh", status, out)
		}
	}
	// The refused refreshes spent nothing: the refresh token still works.
	if status, out := e.post(t, "/token", shop, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); status != http.StatusOK {
		t.Errorf("refresh after the refused ones: %d %v", status, out)
	}
	// The valid client_credentials request carries its details.
	status, out := e.post(t, "/token", shop, url.Values{"grant_type": {"client_credentials"}, "authorization_details": {payOK}})
	if status != http.StatusOK || !slices.Equal(detailTypesOf(out["authorization_details"]), []string{"payment_initiation"}) {
		t.Fatalf("client_credentials with details: %d %v", status, out)
	}
	if _, claims := testsupport.DecodeJWT(t, out["access_token"].(string)); !slices.Equal(detailTypesOf(claims["authorization_details"]), []string{"payment_initiation"}) {
		t.Errorf("client_credentials access token: %v", claims["authorization_details"])
	}
}

// Discovery lists the registered types (RFC 9396 §10), and only once
// one is registered; a client may register only registered types, by
// the registry or by dynamic registration (RFC 7591), which answers
// them in its metadata.
func TestRARDiscoveryAndClientMetadata(t *testing.T) {
	e := start(t, openRegistration)
	ctx := context.Background()
	if _, ok := e.srv.OAuth.Metadata(ctx)["authorization_details_types_supported"]; ok {
		t.Error("authorization_details_types_supported advertised with no type registered")
	}
	for _, typ := range []string{"payment_initiation", "account_information"} {
		if _, err := e.srv.OAuth.CreateAuthorizationDetailType(ctx, authcore.AuthorizationDetailType{Type: typ,
			Schema: `{"type":"object"}`, ConsentTemplate: "Do {{x}}"}); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := http.NewRequest("GET", e.issuer+"/.well-known/openid-configuration", nil)
	_, _, body := call(t, req)
	if !strings.Contains(body, `"authorization_details_types_supported":["account_information","payment_initiation"]`) {
		t.Errorf("discovery: %s", body)
	}
	_, _, err := e.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "X", RedirectURIs: []string{cb},
		Scopes: []string{"openid"}, AuthorizationDetailsTypes: []string{"wire_transfer"}})
	if msg, ok := authcore.PublicMessage(err, oauth.ErrInvalidClientMetadata); !ok || !strings.Contains(msg, "wire_transfer") {
		t.Errorf("client with an unregistered type: %v", err)
	}
	self := e.selfRegister(t, map[string]any{"client_name": "Self", "redirect_uris": []string{cb}, "scope": "openid",
		"authorization_details_types": []string{"payment_initiation"}})
	if c, err := e.srv.Store.GetClient(ctx, self.cfg.ClientID); err != nil || !slices.Equal(c.AuthorizationDetailsTypes, []string{"payment_initiation"}) {
		t.Errorf("self-registered client: %+v %v", c.AuthorizationDetailsTypes, err)
	}
	b, _ := json.Marshal(map[string]any{"client_name": "Bad", "redirect_uris": []string{cb}, "scope": "openid",
		"authorization_details_types": []string{"wire_transfer"}})
	req, _ = http.NewRequest("POST", e.issuer+"/register", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if status, _, body := call(t, req); status != http.StatusBadRequest || !strings.Contains(body, "invalid_client_metadata") {
		t.Errorf("registering an unregistered type: %d %s", status, body)
	}
}
